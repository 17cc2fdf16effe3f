// onnxruntime as the oracle for whole models: the torchvision float and PyTorch-FX QDQ models and
// the PaddleOCR models, every intermediate tensor compared with onnxruntime's (optimisations
// disabled, so QDQ runs as float fake quantization — the semantics xquant executes).
//
// The data is made by tests/oracle/prepare_oracle.sh (a ctest fixture) into XQ_ORACLE_DIR:
//   models/<name>.onnx, models/<name>_input_b1.npy, dumps/<name>/manifest.json + <tensor>.npy.
//
// Two checks per model:
//   1. Node by node: every node fed onnxruntime's inputs, so each kernel is judged on its own,
//      without error carried in from upstream. Every tensor must meet the tolerances below.
//   2. Whole run: our run, observed tensor by tensor, against onnxruntime's. Float models must meet
//      the tolerances everywhere. In a QDQ model they hold up to the first quantized tensor where
//      a value lands on the other side of a rounding boundary (a conv summed in another order
//      differs by 1e-7 relative, enough to flip a near-tie). From there on the two runs diverge
//      legitimately: the flipped step perturbs the next layer, which flips more values, and the
//      difference grows with depth (measured: up to a third of the elements of late resnet18
//      layers; output SQNR ours-vs-onnxruntime 30.7-44 dB, or identical outputs). After that
//      point the test requires the same top class and output SQNR >= kMinDivergedOutputSqnrDb.
// Tolerances (the issue's): float tensors within kFloatTolerance of the reference tensor's range
// (with an absolute floor, kAbsoluteFloor, for tensors whose whole range is near float32's
// resolution); integer tensors identical except single-step differences (a float rounding tie
// going the other way) in at most kMaxTieFraction of the elements.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "exec/registry.h"
#include "xquant/model.h"
#include "xquant/npy.h"
#include "xquant/session.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;

constexpr double kFloatTolerance = 1e-4;   // of the reference tensor's max - min
constexpr double kMaxTieFraction = 1e-4;   // 0.01% of the elements
// onnxruntime's Sigmoid evaluates 0.5 + p(x)/q(x) in float32 and returns 0 where the true value is
// 1.3e-7: below this, differences are float32 resolution, not kernel errors.
constexpr double kAbsoluteFloor = 1e-6;
constexpr double kMinDivergedOutputSqnrDb = 25.0;

const std::string kOracleDir = XQ_ORACLE_DIR;

struct Reference {
  std::map<std::string, std::string> files;  // tensor name -> .npy path
  StatusOr<Tensor> Get(const std::string& name) const {
    auto it = files.find(name);
    if (it == files.end()) return NotFoundError(name);
    return ReadNpy(it->second);
  }
};

StatusOr<Reference> LoadReference(const std::string& model_name) {
  const fs::path dir = fs::path(kOracleDir) / "dumps" / model_name;
  std::ifstream in(dir / "manifest.json");
  if (!in) return NotFoundError("no oracle dump at " + dir.string() + " (run tests/oracle/prepare_oracle.sh)");
  nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) return CorruptionError((dir / "manifest.json").string());
  Reference ref;
  for (const auto& [name, file] : manifest.items()) ref.files[name] = (dir / file.get<std::string>()).string();
  return ref;
}

// "" when `ours` matches `ref` within the tolerances, else what differs.
std::string Compare(const Tensor& ours, const Tensor& ref) {
  if (ours.dtype() != ref.dtype()) return "dtype " + DataTypeName(ours.dtype()) + " vs " + DataTypeName(ref.dtype());
  if (ours.shape() != ref.shape()) return "shape " + ShapeToString(ours.shape()) + " vs " + ShapeToString(ref.shape());
  std::ostringstream out;
  if (ref.dtype() == DataType::kFloat32) {
    const float* a = ours.data<float>();
    const float* b = ref.data<float>();
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < ref.size(); ++i) {
      if (std::isfinite(b[i])) {
        lo = std::min(lo, b[i]);
        hi = std::max(hi, b[i]);
      }
    }
    const double range = hi > lo ? static_cast<double>(hi) - lo : std::max(std::fabs(static_cast<double>(hi)), 1.0);
    const double tolerance = std::max(kFloatTolerance * range, kAbsoluteFloor);
    double worst = 0;
    int64_t worst_at = -1;
    for (int64_t i = 0; i < ref.size(); ++i) {
      if (std::isnan(a[i]) && std::isnan(b[i])) continue;
      const double diff = std::fabs(static_cast<double>(a[i]) - b[i]);
      if (!(diff <= worst)) {
        worst = std::isnan(diff) ? INFINITY : diff;
        worst_at = i;
      }
    }
    if (worst <= tolerance) return "";
    out << "max |diff| " << worst << " at " << worst_at << " (ours " << a[worst_at] << ", ref " << b[worst_at]
        << ") exceeds " << tolerance << " (1e-4 x range " << range << ")";
    return out.str();
  }
  const bool quantized_type = ref.dtype() == DataType::kInt8 || ref.dtype() == DataType::kUint8 ||
                              ref.dtype() == DataType::kInt16 || ref.dtype() == DataType::kUint16;
  int64_t ties = 0, others = 0, first = -1;
  for (int64_t i = 0; i < ref.size(); ++i) {
    const double d = std::fabs(ours.GetAsDouble(i) - ref.GetAsDouble(i));
    if (d == 0) continue;
    if (first < 0) first = i;
    if (quantized_type && d == 1) ++ties;
    else ++others;
  }
  const int64_t allowed = static_cast<int64_t>(std::ceil(kMaxTieFraction * static_cast<double>(ref.size())));
  if (others == 0 && ties <= allowed) return "";
  out << others << " elements differ by more than one step and " << ties << " by one (allowed " << allowed
      << "); first at " << first << ": ours " << ours.GetAsDouble(first) << ", ref " << ref.GetAsDouble(first);
  return out.str();
}

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  std::ifstream in(fs::path(kOracleDir) / "models.txt");
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) names.push_back(line);
  if (names.empty()) names.push_back("(no models.txt: run tests/oracle/prepare_oracle.sh)");
  return names;
}

class Oracle : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const fs::path path = fs::path(kOracleDir) / "models" / (GetParam() + ".onnx");
    auto model = LoadModel(path.string());
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = *model;
    auto ref = LoadReference(GetParam());
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    reference_ = *ref;
    auto input = ReadNpy((fs::path(kOracleDir) / "models" / (GetParam() + "_input_b1.npy")).string());
    ASSERT_TRUE(input.ok()) << input.status().ToString();
    ASSERT_EQ(model_->graph.inputs.size(), 1u);
    inputs_[model_->graph.values[model_->graph.inputs[0]].name] = *input;
  }

  std::shared_ptr<const Model> model_;
  Reference reference_;
  std::map<std::string, Tensor> inputs_;
};

bool IsQuantizedType(DataType t) {
  return t == DataType::kInt8 || t == DataType::kUint8 || t == DataType::kInt16 || t == DataType::kUint16;
}

bool DiffersAnywhere(const Tensor& a, const Tensor& b) {
  return a.shape() != b.shape() || std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) != 0;
}

double SqnrDb(const Tensor& ours, const Tensor& ref) {
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < ref.size(); ++i) {
    const double r = ref.GetAsDouble(i), d = ours.GetAsDouble(i) - r;
    signal += r * r;
    noise += d * d;
  }
  return noise == 0 ? INFINITY : 10 * std::log10(signal / noise);
}

TEST_P(Oracle, WholeRunMatchesEveryTensor) {
  auto session = Session::Create(model_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  int compared = 0, missing = 0, after_divergence = 0;
  std::string diverged_at;
  std::vector<std::string> failures;
  FunctionObserver observer([&](const TensorEvent& e) -> Status {
    auto ref = reference_.Get(e.name);
    if (!ref.ok()) {
      ++missing;
      return Status::Ok();
    }
    ++compared;
    if (!diverged_at.empty()) {
      ++after_divergence;
      return Status::Ok();
    }
    std::string diff = Compare(e.tensor, *ref);
    if (!diff.empty()) failures.push_back(e.node.Describe() + " -> '" + e.name + "': " + diff);
    if (IsQuantizedType(ref->dtype()) && DiffersAnywhere(e.tensor, *ref)) diverged_at = e.node.Describe();
    return Status::Ok();
  });
  auto outputs = (*session)->Run(inputs_, &observer);
  ASSERT_TRUE(outputs.ok()) << outputs.status().ToString();
  // Values the session folded at preparation (dequantized weights, shape arithmetic) were node
  // outputs in the file: compare them too. They do not depend on the data, so no divergence.
  for (const Value& v : (*session)->graph().values) {
    if (!v.constant || v.producer != kNoNode) continue;
    const ValueId original = model_->graph.FindValue(v.name);
    if (original == kNoValue || model_->graph.values[original].producer == kNoNode) continue;
    auto ref = reference_.Get(v.name);
    if (!ref.ok()) continue;
    ++compared;
    std::string diff = Compare(*v.constant, *ref);
    if (!diff.empty()) failures.push_back("folded '" + v.name + "': " + diff);
  }
  std::printf("[ oracle   ] %s: %d tensors compared, %d not in the dump, %zu differ", GetParam().c_str(), compared,
              missing, failures.size());
  if (!diverged_at.empty()) {
    std::printf("; rounding flips from %s on (%d tensors after it)", diverged_at.c_str(), after_divergence);
    for (const auto& [name, ours] : *outputs) {
      auto ref = reference_.Get(name);
      ASSERT_TRUE(ref.ok()) << name;
      const double sqnr = SqnrDb(ours, *ref);
      std::printf("; output '%s' SQNR vs onnxruntime %.1f dB", name.c_str(), sqnr);
      EXPECT_GE(sqnr, kMinDivergedOutputSqnrDb) << name;
      if (ours.dtype() == DataType::kFloat32 && ours.rank() == 2) {
        for (int64_t b = 0; b < ours.dim(0); ++b) {
          const float* o = ours.data<float>() + b * ours.dim(1);
          const float* r = ref->data<float>() + b * ours.dim(1);
          EXPECT_EQ(std::max_element(o, o + ours.dim(1)) - o, std::max_element(r, r + ours.dim(1)) - r)
              << "top class of sample " << b;
        }
      }
    }
  }
  std::printf("\n");
  EXPECT_GT(compared, 10);
  EXPECT_LE(missing, compared / 20) << "too few of our tensors have an onnxruntime counterpart";
  for (size_t i = 0; i < failures.size() && i < 20; ++i) ADD_FAILURE() << failures[i];
}

// Without an observer the session folds activations and hands oneDNN convolutions' results to each
// other channel-blocked: the graph outputs must still match onnxruntime's. Where the observed run's
// outputs differ from the reference (QDQ rounding flips), the same SQNR floor as above applies.
TEST_P(Oracle, UnobservedRunMatchesTheOutputs) {
  auto session = Session::Create(model_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  FunctionObserver ignore([](const TensorEvent&) { return Status::Ok(); });
  auto observed = (*session)->Run(inputs_, &ignore);
  auto unobserved = (*session)->Run(inputs_);
  ASSERT_TRUE(observed.ok() && unobserved.ok()) << unobserved.status().ToString();
  std::printf("[ oracle   ] %s: unobserved run, %d blocked hand-offs\n", GetParam().c_str(),
              (*session)->last_run_stats().blocked_handoffs);
  ASSERT_EQ(observed->size(), unobserved->size());
  for (size_t o = 0; o < unobserved->size(); ++o) {
    const auto& [name, ours] = (*unobserved)[o];
    auto ref = reference_.Get(name);
    ASSERT_TRUE(ref.ok()) << name;
    if (Compare((*observed)[o].second, *ref).empty())
      EXPECT_EQ(Compare(ours, *ref), "") << "output '" << name << "'";
    else
      EXPECT_GE(SqnrDb(ours, *ref), kMinDivergedOutputSqnrDb) << "output '" << name << "'";
  }
}

TEST_P(Oracle, EachNodeFedReferenceInputsMatches) {
  auto session = Session::Create(model_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const Graph& g = (*session)->graph();
  int checked = 0;
  std::vector<std::string> failures;
  for (const Node& node : g.nodes) {
    std::vector<Tensor> held;
    held.reserve(node.inputs.size());
    std::vector<const Tensor*> inputs;
    bool available = true;
    for (ValueId in : node.inputs) {
      if (in == kNoValue) {
        inputs.push_back(nullptr);
        continue;
      }
      const Value& v = g.values[in];
      if (v.constant) {
        inputs.push_back(&*v.constant);
        continue;
      }
      auto it = inputs_.find(v.name);
      auto ref = it != inputs_.end() ? StatusOr<Tensor>(it->second) : reference_.Get(v.name);
      if (!ref.ok()) {
        available = false;
        break;
      }
      held.push_back(*ref);
      inputs.push_back(&held.back());
    }
    if (!available) continue;
    exec::KernelInfo info(node, g, g.OpsetVersion(node.domain));
    auto kernel = exec::FindKernel(node.domain, node.op_type)(info);
    ASSERT_TRUE(kernel.ok()) << kernel.status().ToString();
    std::vector<Tensor> outputs(node.outputs.size());
    exec::KernelContext ctx(node, inputs, &outputs);
    Status status = (*kernel)->Compute(ctx);
    ASSERT_TRUE(status.ok()) << status.ToString();
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k] == kNoValue) continue;
      auto ref = reference_.Get(g.values[node.outputs[k]].name);
      if (!ref.ok()) continue;
      ++checked;
      std::string diff = Compare(outputs[k], *ref);
      if (!diff.empty()) failures.push_back(node.Describe() + ": " + diff);
    }
  }
  std::printf("[ oracle   ] %s: %d node outputs checked on reference inputs, %zu differ\n", GetParam().c_str(), checked,
              failures.size());
  EXPECT_GT(checked, 10);
  for (size_t i = 0; i < failures.size() && i < 20; ++i) ADD_FAILURE() << failures[i];
}

INSTANTIATE_TEST_SUITE_P(Models, Oracle, ::testing::ValuesIn(ModelNames()), [](const auto& info) {
  std::string s;
  for (char c : info.param) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
});

}  // namespace
}  // namespace xquant
