// FindQuantizers: one record per quantized tensor, whatever the dialect. The recovery rules per
// dialect (bits, sign, narrow range, scale and zero point, representable range) are those of
// ../shared/reference/quantized-onnx-formats.md, summarised in docs/quantization_record.md.
#include "analysis/quantizers.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace xquant {

double QuantizationInfo::Levels() const {
  if (qmax > qmin) return static_cast<double>(qmax - qmin) + 1.0;
  return std::ldexp(1.0, bits);
}

const char* QuantizedKindName(QuantizedKind kind) {
  switch (kind) {
    case QuantizedKind::kActivation: return "activation";
    case QuantizedKind::kWeight: return "weight";
    case QuantizedKind::kBias: return "bias";
  }
  return "activation";
}

std::vector<QuantizerRecord> FindQuantizers(const Graph& graph) { return analysis::FindQuantizers(graph, {}); }

const QuantizerRecord* FindRecordByPost(const std::vector<QuantizerRecord>& records, ValueId post) {
  for (const QuantizerRecord& r : records)
    if (r.post == post && post != kNoValue) return &r;
  return nullptr;
}

namespace analysis {
namespace {

// A tensor is trusted to show its quantizer's levels only when each distinct value occurs this
// many times on average: a tensor of 10 weights has at most 10 distinct values whatever its bits.
constexpr double kRepeatsPerLevel = 4.0;
// Grids finer than this are ordinary float weights.
constexpr int64_t kMaxGridLevels = 256;

const std::set<std::string> kQonnxDomains = {"qonnx.custom_op.general", "onnx.brevitas", "finn.custom_op.general"};

// Bits needed to tell `levels` values apart (at least 1).
int BitsFor(double levels) { return levels <= 2.0 ? 1 : static_cast<int>(std::ceil(std::log2(levels) - 1e-9)); }

ValueId InputOf(const Node& n, size_t k) { return k < n.inputs.size() ? n.inputs[k] : kNoValue; }
ValueId OutputOf(const Node& n) { return n.outputs.empty() ? kNoValue : n.outputs[0]; }

// The constant behind `v`, looking through the Identity nodes exporters put before parameters.
const Tensor* ConstantOf(const Graph& g, ValueId v) {
  for (int depth = 0; depth < 4 && v != kNoValue; ++depth) {
    const Value& value = g.values[v];
    if (value.constant && value.constant->defined()) return &*value.constant;
    if (value.producer == kNoNode) return nullptr;
    const Node& p = g.nodes[value.producer];
    if (!p.domain.empty() || p.op_type != "Identity") return nullptr;
    v = InputOf(p, 0);
  }
  return nullptr;
}

bool IsConstant(const Graph& g, ValueId v) { return ConstantOf(g, v) != nullptr; }

// Rank of a value: its constant's, else its declared shape's; -1 when unknown.
int RankOf(const Graph& g, ValueId v) {
  if (v == kNoValue) return -1;
  if (const Tensor* t = ConstantOf(g, v)) return t->rank();
  const Value& value = g.values[v];
  return value.shape ? static_cast<int>(value.shape->size()) : -1;
}

int NormalizeAxis(int64_t axis, int rank) { return static_cast<int>(axis < 0 && rank > 0 ? axis + rank : axis); }

// The integer codes of a quantized type; false for non-integer types.
bool IntegerTypeRange(DataType t, int64_t* lo, int64_t* hi, int* bits, bool* is_signed) {
  const std::string name = DataTypeName(t);
  static const std::map<std::string, std::pair<int, bool>> kTypes = {
      {"uint8", {8, false}},  {"int8", {8, true}},  {"uint16", {16, false}}, {"int16", {16, true}},
      {"int32", {32, true}},  {"uint4", {4, false}}, {"int4", {4, true}}};
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return false;
  *bits = it->second.first;
  *is_signed = it->second.second;
  *lo = *is_signed ? -(int64_t{1} << (*bits - 1)) : 0;
  *hi = *is_signed ? (int64_t{1} << (*bits - 1)) - 1 : (int64_t{1} << *bits) - 1;
  return true;
}

double At(const Tensor* t, int64_t k) { return t->size() == 1 ? t->GetAsDouble(0) : t->GetAsDouble(k); }

// Model files can hold anything: a value is turned into an integer only when it is finite and
// within `limit`, so a malformed quantizer yields no record instead of undefined behaviour.
std::optional<int64_t> ToInteger(double v, double limit = 4611686018427387904.0 /* 2^62 */) {
  if (!std::isfinite(v) || std::fabs(v) > limit) return std::nullopt;
  return static_cast<int64_t>(v);
}

bool AllFinite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

// Broadcast parameters pair up entry by entry: each has one entry or `entries` of them.
bool SizesPairUp(std::initializer_list<const Tensor*> tensors, size_t entries) {
  for (const Tensor* t : tensors)
    if (!t || t->size() == 0 || (t->size() != 1 && static_cast<size_t>(t->size()) != entries)) return false;
  return true;
}

// The axis along which a broadcast parameter (QONNX's scale [C,1,1,1], FakeQuantize's ranges)
// varies: its only dimension larger than 1, counted in the data's rank; -1 for one element.
int BroadcastAxis(const Tensor* t, int data_rank) {
  if (!t || t->size() <= 1) return -1;
  const int rank = t->rank();
  for (int d = 0; d < rank; ++d)
    if (t->dim(d) > 1) return data_rank > rank ? d + (data_rank - rank) : d;
  return -1;
}

// Per-entry ranges [(qmin − zp)·s, (qmax − zp)·s] (ordered for negative scales), their union,
// and the bit width of the code range unless a dialect set it.
void FinishRanges(QuantizationInfo* q) {
  const size_t n = q->scale.size();
  if (q->channel_min.empty()) {
    for (size_t k = 0; k < n; ++k) {
      const double zp = q->zero_point.empty() ? 0.0 : static_cast<double>(q->zero_point[std::min(k, q->zero_point.size() - 1)]);
      const double a = (static_cast<double>(q->qmin) - zp) * q->scale[k];
      const double b = (static_cast<double>(q->qmax) - zp) * q->scale[k];
      q->channel_min.push_back(static_cast<float>(std::min(a, b)));
      q->channel_max.push_back(static_cast<float>(std::max(a, b)));
    }
  }
  if (!q->channel_min.empty()) {
    q->range_min = *std::min_element(q->channel_min.begin(), q->channel_min.end());
    q->range_max = *std::max_element(q->channel_max.begin(), q->channel_max.end());
  }
  if (q->axis < 0 && q->channel_min.size() <= 1) {  // per tensor: the union says it all
    q->channel_min.clear();
    q->channel_max.clear();
  }
  if (q->bits == 0) q->bits = BitsFor(q->Levels());
  if (q->container_bits == 0) q->container_bits = q->bits;
}

// Index of the scale entry that quantizes element `e` of a tensor of `shape`.
struct ScaleIndexer {
  ScaleIndexer(const Shape& shape, int axis, int64_t block_size, size_t entries) : entries_(entries) {
    if (entries <= 1 || axis < 0 || axis >= static_cast<int>(shape.size())) return;
    axis_ok_ = true;
    dim_ = shape[axis];
    for (size_t d = axis + 1; d < shape.size(); ++d) inner_ *= shape[d];
    block_ = block_size;
    if (block_ > 0) blocks_ = (dim_ + block_ - 1) / block_;
  }
  size_t operator()(int64_t e) const {
    if (!axis_ok_) return 0;
    const int64_t a = (e / inner_) % dim_;
    if (block_ <= 0) return static_cast<size_t>(a) < entries_ ? static_cast<size_t>(a) : 0;
    const int64_t outer = e / (inner_ * dim_);
    const size_t idx = static_cast<size_t>((outer * blocks_ + a / block_) * inner_ + e % inner_);
    return idx < entries_ ? idx : 0;
  }

 private:
  size_t entries_;
  bool axis_ok_ = false;
  int64_t dim_ = 1, inner_ = 1, block_ = 0, blocks_ = 1;
};

// The distinct values among `n` codes code_at(0..n-1) when they are integers of a range [lo, hi]
// of at most 2^16 (8- and 16-bit weights): one flag per possible code instead of sorting millions
// of them (the sort was most of a report's preparation). Returns false, having set nothing, when
// the range is wider or a code is not an integer in it (NaN, a non-integer float constant).
template <typename CodeAt>
bool CountCodesInSmallRange(int64_t n, const CodeAt& code_at, double lo, double hi, double* first, double* last,
                            int64_t* distinct) {
  constexpr double kMaxRange = 65536.0;
  if (!(hi - lo < kMaxRange) || lo != std::floor(lo)) return false;
  std::vector<uint8_t> seen(static_cast<size_t>(hi - lo) + 1, 0);
  for (int64_t e = 0; e < n; ++e) {
    const double offset = code_at(e) - lo;
    // Clamped codes lie in [lo, hi], so only NaN and fractions fail here.
    if (!(offset >= 0.0) || offset != std::floor(offset)) return false;
    seen[static_cast<size_t>(offset)] = 1;
  }
  const auto lowest = std::find(seen.begin(), seen.end(), 1);
  const auto highest = std::find(seen.rbegin(), seen.rend(), 1);
  *first = lo + static_cast<double>(lowest - seen.begin());
  *last = lo + static_cast<double>(seen.rend() - highest - 1);
  *distinct = std::count(seen.begin(), seen.end(), 1);
  return true;
}

// What a quantized constant's codes show: distinct codes, the levels they need, the bits.
void CountConstantCodes(const Tensor& t, bool already_codes, QuantizationInfo* q) {
  std::vector<double> codes;
  ScaleIndexer index(t.shape(), q->axis, q->block_size, q->scale.size());
  // Codes are counted as the container holds them, before an integer Clip narrows them: the
  // Clip's levels bound the result below (Levels()).
  double lo = static_cast<double>(q->qmin), hi = static_cast<double>(q->qmax);
  int64_t type_lo = 0, type_hi = 0;
  int type_bits = 0;
  bool type_signed = false;
  if (IntegerTypeRange(q->dtype, &type_lo, &type_hi, &type_bits, &type_signed)) {
    lo = static_cast<double>(type_lo);
    hi = static_cast<double>(type_hi);
  }
  if (hi <= lo) {
    lo = -INFINITY;
    hi = INFINITY;
  }
  const auto code_at = [&](int64_t e) {
    double code = t.GetAsDouble(e);
    if (!already_codes) {
      const size_t c = index(e);
      const double s = c < q->scale.size() ? q->scale[c] : 1.0;
      const double zp = q->zero_point.empty() ? 0.0 : static_cast<double>(q->zero_point[std::min(c, q->zero_point.size() - 1)]);
      code = s != 0.0 ? std::nearbyint(code / s) + zp : zp;
    }
    return std::clamp(code, lo, hi);
  };
  if (t.size() == 0) return;
  double first = 0.0, last = 0.0;
  if (!CountCodesInSmallRange(t.size(), code_at, lo, hi, &first, &last, &q->distinct_values)) {
    // Codes of a wide type (int32 biases) or not integers at all: sort them.
    for (int64_t e = 0; e < t.size(); ++e) codes.push_back(code_at(e));
    std::sort(codes.begin(), codes.end());
    first = codes.front();
    last = codes.back();
    q->distinct_values = std::unique(codes.begin(), codes.end()) - codes.begin();
  }
  const double span = last - first + 1.0;
  const bool repeats = static_cast<double>(t.size()) >= kRepeatsPerLevel * static_cast<double>(q->distinct_values);
  double levels = repeats ? static_cast<double>(q->distinct_values) : std::min(span, std::ldexp(1.0, q->container_bits));
  levels = std::min(levels, q->Levels());
  q->levels_used = static_cast<int64_t>(levels);
  q->bits_used = std::min(q->bits, BitsFor(levels));
}

class Finder {
 public:
  Finder(const Graph& g, const FindOptions& options) : g_(g), options_(options) {}

  std::vector<QuantizerRecord> Run() {
    for (size_t id = 0; id < g_.nodes.size(); ++id) {
      const Node& n = g_.nodes[id];
      const NodeId nid = static_cast<NodeId>(id);
      if (IsOp(n, "QuantizeLinear")) {
        Keep(QuantizeChain(nid));
      } else if (IsOp(n, "DequantizeLinear")) {
        if (!consumed_.count(nid)) Keep(ConstantDequantize(nid));
      } else if (n.domain == "mct_quantizers") {
        Keep(Mct(nid));
      } else if (kQonnxDomains.count(n.domain)) {
        Keep(Qonnx(nid));
      } else if (n.op_type == "FakeQuantize" && (n.domain.empty() || n.domain == "org.openvinotoolkit")) {
        Keep(FakeQuantize(nid));
      }
      if (options_.detect_grids && IsWeightedOpType(n)) Keep(Grid(nid));
    }
    return std::move(records_);
  }

 private:
  static bool IsOp(const Node& n, const char* op) {
    return n.op_type == op && (n.domain.empty() || n.domain == "com.microsoft");
  }
  static std::string QdqDialect(const Node& n) { return n.domain.empty() ? "QDQ" : "QDQ " + n.domain; }

  void Keep(std::optional<QuantizerRecord> r) {
    if (r) records_.push_back(std::move(*r));
  }

  QuantizedKind KindOf(ValueId pre) const {
    if (!IsConstant(g_, pre)) return QuantizedKind::kActivation;
    return ConstantOf(g_, pre)->dtype() == DataType::kInt32 ? QuantizedKind::kBias : QuantizedKind::kWeight;
  }

  // Scale and zero point of a QuantizeLinear/DequantizeLinear, integer type range narrowed by
  // an integer Clip. false when the scale is not a constant.
  bool LinearParameters(const Node& n, DataType dtype, const Node* clip, int data_rank, QuantizationInfo* q) const {
    const Tensor* scale = ConstantOf(g_, InputOf(n, 1));
    const Tensor* zero_point = ConstantOf(g_, InputOf(n, 2));
    if (!scale) return false;
    q->dialect = QdqDialect(n);
    q->dtype = dtype;
    if (!IntegerTypeRange(dtype, &q->qmin, &q->qmax, &q->container_bits, &q->is_signed)) return false;
    for (int64_t k = 0; k < scale->size(); ++k) q->scale.push_back(static_cast<float>(scale->GetAsDouble(k)));
    if (zero_point)
      for (int64_t k = 0; k < zero_point->size(); ++k) {
        const std::optional<int64_t> zp = ToInteger(std::nearbyint(zero_point->GetAsDouble(k)));
        if (!zp) return false;
        q->zero_point.push_back(*zp);
      }
    q->block_size = n.GetInt("block_size", 0);
    if (scale->size() > 1 || q->block_size > 0) q->axis = NormalizeAxis(n.GetInt("axis", 1), data_rank);
    if (clip) {
      q->dialect = "QCDQ";
      std::optional<double> lo, hi;
      if (clip->HasAttribute("min")) lo = clip->GetFloat("min", 0.0f);
      if (clip->HasAttribute("max")) hi = clip->GetFloat("max", 0.0f);
      if (const Tensor* t = ConstantOf(g_, InputOf(*clip, 1)); t && t->size() == 1) lo = t->GetAsDouble(0);
      if (const Tensor* t = ConstantOf(g_, InputOf(*clip, 2)); t && t->size() == 1) hi = t->GetAsDouble(0);
      // Bounds beyond the type (e.g. -FLT_MAX) narrow nothing; NaN bounds are not integer bounds.
      if (lo && !std::isnan(*lo))
        q->qmin = static_cast<int64_t>(std::clamp<double>(std::ceil(*lo), static_cast<double>(q->qmin),
                                                          static_cast<double>(q->qmax)));
      if (hi && !std::isnan(*hi))
        q->qmax = static_cast<int64_t>(std::clamp<double>(std::floor(*hi), static_cast<double>(q->qmin),
                                                          static_cast<double>(q->qmax)));
    }
    q->bits = std::min(q->container_bits, BitsFor(q->Levels()));
    q->narrow = q->is_signed && q->qmin == -q->qmax;
    return true;
  }

  // x → QuantizeLinear → [Cast | Identity | integer Clip]* → DequantizeLinear → y.
  std::optional<QuantizerRecord> QuantizeChain(NodeId qid) {
    const Node& q = g_.nodes[qid];
    QuantizerRecord r;
    r.pre = InputOf(q, 0);
    r.quant_node = qid;
    r.nodes = {qid};
    if (r.pre == kNoValue || OutputOf(q) == kNoValue) return std::nullopt;
    r.kind = KindOf(r.pre);
    // Every path of the codes through casts and integer Clips to a DequantizeLinear belongs to
    // this quantizer (exporters write one Cast → DequantizeLinear per consumer); the first
    // DequantizeLinear's output is `post`, consumers may read any of them.
    const Node* clip = nullptr;
    std::vector<ValueId> frontier = {OutputOf(q)};
    std::set<ValueId> seen = {OutputOf(q)};
    while (!frontier.empty() && seen.size() < 64) {
      const ValueId v = frontier.front();
      frontier.erase(frontier.begin());
      for (NodeId c : g_.values[v].consumers) {
        const Node& cn = g_.nodes[c];
        const bool dequantize = IsOp(cn, "DequantizeLinear");
        const bool carrier = cn.domain.empty() && (cn.op_type == "Cast" || cn.op_type == "Identity" || cn.op_type == "Clip");
        if ((!dequantize && !carrier) || InputOf(cn, 0) != v) continue;
        if (std::find(r.nodes.begin(), r.nodes.end(), c) != r.nodes.end()) continue;
        r.nodes.push_back(c);
        if (dequantize) {
          consumed_.insert(c);
          if (r.post == kNoValue) r.post = OutputOf(cn);
        } else {
          if (cn.op_type == "Clip" && !clip) clip = &cn;
          if (OutputOf(cn) != kNoValue && seen.insert(OutputOf(cn)).second) frontier.push_back(OutputOf(cn));
        }
      }
    }
    DataType dtype = g_.values[OutputOf(q)].dtype;
    if (dtype == DataType::kUndefined || dtype == DataType::kFloat32) {
      const Tensor* zp = ConstantOf(g_, InputOf(q, 2));
      dtype = zp ? zp->dtype() : DataType::kUint8;
      if (q.HasAttribute("output_dtype")) dtype = static_cast<DataType>(q.GetInt("output_dtype", 2));
    }
    if (!LinearParameters(q, dtype, clip, RankOf(g_, r.pre), &r.info)) return std::nullopt;
    FinishRanges(&r.info);
    if (r.kind != QuantizedKind::kActivation) CountConstantCodes(*ConstantOf(g_, r.pre), false, &r.info);
    if (r.kind == QuantizedKind::kActivation) TakeInShift(&r);
    return r;
  }

  // A shift-negative correction belongs to its quantizer: x -> Add(x, c) -> QuantizeLinear with a
  // one-element constant c and nothing but quantizers reading the sum. The record then starts at
  // x (the tensor that has a float counterpart) and carries c as its offset.
  void TakeInShift(QuantizerRecord* r) {
    const NodeId p = g_.values[r->pre].producer;
    if (p == kNoNode) return;
    const Node& add = g_.nodes[p];
    if (!add.domain.empty() || add.op_type != "Add" || add.inputs.size() != 2) return;
    for (NodeId c : g_.values[r->pre].consumers)
      if (!IsOp(g_.nodes[c], "QuantizeLinear")) return;
    for (int k = 0; k < 2; ++k) {
      const Tensor* shift = ConstantOf(g_, add.inputs[k]);
      const ValueId x = add.inputs[1 - k];
      if (!shift || shift->size() != 1 || shift->dtype() != DataType::kFloat32 || x == kNoValue || IsConstant(g_, x))
        continue;
      const double c = shift->GetAsDouble(0);
      r->info.offset = c;
      r->info.range_min = static_cast<float>(r->info.range_min - c);
      r->info.range_max = static_cast<float>(r->info.range_max - c);
      for (float& v : r->info.channel_min) v = static_cast<float>(v - c);
      for (float& v : r->info.channel_max) v = static_cast<float>(v - c);
      r->pre = x;
      r->nodes.insert(r->nodes.begin(), p);
      return;
    }
  }

  // integer constant → [Clip] → DequantizeLinear: a quantized weight or bias.
  std::optional<QuantizerRecord> ConstantDequantize(NodeId did) {
    const Node& dq = g_.nodes[did];
    const Node* clip = nullptr;
    ValueId v = InputOf(dq, 0);
    std::vector<NodeId> nodes;
    for (int depth = 0; depth < 3 && v != kNoValue && !IsConstant(g_, v); ++depth) {
      NodeId p = g_.values[v].producer;
      if (p == kNoNode) return std::nullopt;
      const Node& pn = g_.nodes[p];
      if (!pn.domain.empty() || (pn.op_type != "Clip" && pn.op_type != "Identity")) return std::nullopt;
      if (pn.op_type == "Clip") clip = &pn;
      nodes.insert(nodes.begin(), p);
      v = InputOf(pn, 0);
    }
    const Tensor* codes = ConstantOf(g_, v);
    if (!codes) return std::nullopt;
    QuantizerRecord r;
    r.pre = v;
    r.post = OutputOf(dq);
    r.quant_node = did;
    nodes.push_back(did);
    r.nodes = nodes;
    r.kind = codes->dtype() == DataType::kInt32 ? QuantizedKind::kBias : QuantizedKind::kWeight;
    if (!LinearParameters(dq, codes->dtype(), clip, codes->rank(), &r.info)) return std::nullopt;
    FinishRanges(&r.info);
    CountConstantCodes(*codes, true, &r.info);
    return r;
  }

  QuantizerRecord SingleOp(NodeId id, const std::string& dialect) const {
    const Node& n = g_.nodes[id];
    QuantizerRecord r;
    r.pre = InputOf(n, 0);
    r.post = OutputOf(n);
    r.quant_node = id;
    r.nodes = {id};
    r.kind = KindOf(r.pre) == QuantizedKind::kActivation ? QuantizedKind::kActivation : QuantizedKind::kWeight;
    r.info.dialect = dialect;
    return r;
  }

  // Signed/unsigned n-bit codes with zero point 0 and step `step[k]` per channel.
  static void SymmetricCodes(int bits, bool is_signed, const std::vector<double>& step, QuantizationInfo* q) {
    q->bits = bits;
    q->is_signed = is_signed;
    q->qmin = is_signed ? -(int64_t{1} << (bits - 1)) : 0;
    q->qmax = is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
    for (double s : step) q->scale.push_back(static_cast<float>(s));
    q->zero_point.assign(step.size(), 0);
  }

  // MCT's uniform quantizer on [min, max]: the range is moved so 0 lies on the grid.
  static void UniformCodes(int bits, const std::vector<double>& min_range, const std::vector<double>& max_range,
                           QuantizationInfo* q) {
    const double steps = std::ldexp(1.0, bits) - 1.0;
    q->bits = bits;
    q->qmin = 0;
    q->qmax = (int64_t{1} << bits) - 1;
    for (size_t k = 0; k < min_range.size(); ++k) {
      const double s = (max_range[k] - min_range[k]) / steps;
      const double a = s > 0 ? s * std::nearbyint(min_range[k] / s) : min_range[k];
      const double b = max_range[k] - min_range[k] + a;
      q->scale.push_back(static_cast<float>(s));
      q->zero_point.push_back(s > 0 ? static_cast<int64_t>(std::nearbyint(-a / s)) : 0);
      q->channel_min.push_back(static_cast<float>(a));
      q->channel_max.push_back(static_cast<float>(b));
    }
    q->is_signed = !q->channel_min.empty() && *std::min_element(q->channel_min.begin(), q->channel_min.end()) < 0.0f;
  }

  static std::vector<double> Values(const Tensor* t) {
    std::vector<double> out;
    for (int64_t k = 0; t && k < t->size(); ++k) out.push_back(t->GetAsDouble(k));
    return out;
  }

  std::optional<QuantizerRecord> Mct(NodeId id) {
    const Node& n = g_.nodes[id];
    const std::string& op = n.op_type;
    QuantizerRecord r = SingleOp(id, "MCT");
    QuantizationInfo& q = r.info;
    const int bits = static_cast<int>(n.GetInt("num_bits", 8));
    if (bits < 1 || bits > 32) return std::nullopt;
    const int data_rank = RankOf(g_, r.pre);
    if (op == "ActivationPOTQuantizer" || op == "ActivationSymmetricQuantizer") {
      const Attribute* threshold = n.FindAttribute("threshold");
      if (!threshold) return std::nullopt;
      const bool is_signed = n.GetInt("signed", 1) != 0;
      SymmetricCodes(bits, is_signed, {threshold->f / std::ldexp(1.0, bits - (is_signed ? 1 : 0))}, &q);
    } else if (op == "ActivationUniformQuantizer") {
      if (!n.HasAttribute("min_range") || !n.HasAttribute("max_range")) return std::nullopt;
      const std::vector<double> lo = {n.GetFloat("min_range", 0.0f)}, hi = {n.GetFloat("max_range", 0.0f)};
      if (!AllFinite(lo) || !AllFinite(hi)) return std::nullopt;
      UniformCodes(bits, lo, hi, &q);
    } else if (op == "WeightsPOTQuantizer" || op == "WeightsSymmetricQuantizer") {
      const Tensor* threshold = ConstantOf(g_, InputOf(n, 1));
      if (!threshold) return std::nullopt;
      const bool is_signed = n.GetInt("signed", 1) != 0;
      std::vector<double> step = Values(threshold);
      for (double& s : step) s /= std::ldexp(1.0, bits - (is_signed ? 1 : 0));
      SymmetricCodes(bits, is_signed, step, &q);
      if (step.size() > 1) q.axis = NormalizeAxis(n.GetInt("channel_axis", 0), data_rank);
    } else if (op == "WeightsUniformQuantizer") {
      const Tensor* lo = ConstantOf(g_, InputOf(n, 1));
      const Tensor* hi = ConstantOf(g_, InputOf(n, 2));
      if (!lo || !hi || lo->size() != hi->size() || !AllFinite(Values(lo)) || !AllFinite(Values(hi)))
        return std::nullopt;
      UniformCodes(bits, Values(lo), Values(hi), &q);
      if (lo->size() > 1) q.axis = NormalizeAxis(n.GetInt("channel_axis", 0), data_rank);
    } else if (op == "WeightsLUTSymmetricQuantizer" || op == "WeightsLUTPOTQuantizer") {
      // Values are LUT entries in an L-bit integer space, times T / 2^(L − signed); the codes
      // index the LUT, so the bit width is num_bits while the range is the LUT's.
      const Tensor* lut = ConstantOf(g_, InputOf(n, 1));
      const Tensor* threshold = ConstantOf(g_, InputOf(n, 2));
      if (!lut || !threshold || lut->size() == 0) return std::nullopt;
      const bool is_signed = n.GetInt("signed", 1) != 0;
      const int lut_bits = static_cast<int>(n.GetInt("lut_values_bitwidth", 8));
      const std::vector<double> entries = Values(lut);
      const double lo = *std::min_element(entries.begin(), entries.end());
      const double hi = *std::max_element(entries.begin(), entries.end());
      q.bits = bits;
      q.is_signed = is_signed;
      const std::optional<int64_t> code_lo = ToInteger(lo, 2147483648.0), code_hi = ToInteger(hi, 2147483648.0);
      if (!code_lo || !code_hi) return std::nullopt;
      q.qmin = *code_lo;
      q.qmax = *code_hi;
      for (double t : Values(threshold)) {
        const double unit = t / std::ldexp(1.0, lut_bits - (is_signed ? 1 : 0));
        q.scale.push_back(static_cast<float>(unit));
        q.zero_point.push_back(0);
      }
      if (q.scale.size() > 1) q.axis = NormalizeAxis(n.GetInt("channel_axis", 0), data_rank);
      FinishRanges(&q);
      return r;
    } else {
      return std::nullopt;
    }
    q.narrow = false;
    FinishRanges(&q);
    if (r.kind != QuantizedKind::kActivation) CountConstantCodes(*ConstantOf(g_, r.pre), false, &q);
    return r;
  }

  std::optional<QuantizerRecord> Qonnx(NodeId id) {
    const Node& n = g_.nodes[id];
    QuantizerRecord r = SingleOp(id, "QONNX");
    QuantizationInfo& q = r.info;
    const int data_rank = RankOf(g_, r.pre);
    if (n.op_type == "BipolarQuant") {
      const Tensor* scale = ConstantOf(g_, InputOf(n, 1));
      if (!scale) return std::nullopt;
      // Two values ±scale: codes −1 and +1 with nothing between (1 bit).
      q.bits = 1;
      q.is_signed = true;
      q.qmin = -1;
      q.qmax = 1;
      for (double s : Values(scale)) q.scale.push_back(static_cast<float>(s));
      q.zero_point.assign(q.scale.size(), 0);
      q.axis = BroadcastAxis(scale, data_rank);
      FinishRanges(&q);
      return r;
    }
    const bool trunc = n.op_type == "Trunc";
    if (n.op_type != "Quant" && !trunc) return std::nullopt;
    const Tensor* scale = ConstantOf(g_, InputOf(n, 1));
    const Tensor* zero_point = ConstantOf(g_, InputOf(n, 2));
    // Quant: input 3 is the bit width. Trunc v1 (5 inputs): out_bitwidth at 4, the output scale
    // is scale · 2^(in − out); v2 (6 inputs): out_scale at 4, out_bitwidth at 5.
    const Tensor* bitwidth = ConstantOf(g_, InputOf(n, trunc ? (n.inputs.size() >= 6 ? 5 : 4) : 3));
    if (!scale || !zero_point || !bitwidth || bitwidth->size() != 1) return std::nullopt;
    const double bits_value = std::nearbyint(bitwidth->GetAsDouble(0));
    if (!(bits_value >= 1 && bits_value <= 32)) return std::nullopt;  // also NaN
    const int bits = static_cast<int>(bits_value);
    std::vector<double> step = Values(scale);
    if (trunc) {
      if (n.inputs.size() >= 6) {
        const Tensor* out_scale = ConstantOf(g_, InputOf(n, 4));
        if (!out_scale) return std::nullopt;
        step = Values(out_scale);
        scale = out_scale;
      } else {
        const Tensor* in_bits = ConstantOf(g_, InputOf(n, 3));
        if (!in_bits || in_bits->size() != 1) return std::nullopt;
        const double in_value = std::nearbyint(in_bits->GetAsDouble(0));
        if (!(in_value >= 1 && in_value <= 64)) return std::nullopt;
        for (double& s : step) s *= std::ldexp(1.0, static_cast<int>(in_value) - bits);
      }
    }
    q.is_signed = n.GetInt("signed", 1) != 0;
    q.narrow = n.GetInt("narrow", 0) != 0;
    q.bits = bits;
    q.qmin = q.is_signed ? -(int64_t{1} << (bits - 1)) + (q.narrow ? 1 : 0) : 0;
    q.qmax = q.is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1 - (q.narrow ? 1 : 0);
    const size_t entries = std::max<size_t>(step.size(), static_cast<size_t>(zero_point->size()));
    if (step.empty() || !SizesPairUp({scale, zero_point}, entries) || !AllFinite(step)) return std::nullopt;
    for (size_t k = 0; k < entries; ++k) {
      const std::optional<int64_t> zp = ToInteger(std::nearbyint(At(zero_point, static_cast<int64_t>(k))));
      if (!zp) return std::nullopt;
      q.scale.push_back(static_cast<float>(step.size() == 1 ? step[0] : step[k]));
      q.zero_point.push_back(*zp);
    }
    q.axis = BroadcastAxis(scale->size() >= zero_point->size() ? scale : zero_point, data_rank);
    FinishRanges(&q);
    if (r.kind != QuantizedKind::kActivation) CountConstantCodes(*ConstantOf(g_, r.pre), false, &q);
    return r;
  }

  // FakeQuantize(x, input_low, input_high, output_low, output_high), `levels`.
  std::optional<QuantizerRecord> FakeQuantize(NodeId id) {
    const Node& n = g_.nodes[id];
    QuantizerRecord r = SingleOp(id, "OpenVINO FakeQuantize");
    QuantizationInfo& q = r.info;
    const Tensor* ranges[4];
    size_t entries = 1;
    int axis = -1;
    const int data_rank = RankOf(g_, r.pre);
    for (int k = 0; k < 4; ++k) {
      ranges[k] = ConstantOf(g_, InputOf(n, k + 1));
      if (!ranges[k]) return std::nullopt;
      if (static_cast<size_t>(ranges[k]->size()) > entries) {
        entries = static_cast<size_t>(ranges[k]->size());
        axis = BroadcastAxis(ranges[k], data_rank);
      }
    }
    // The kernel refuses more than 2^24 levels (float32 cannot tell them apart); so does the record.
    const int64_t levels = n.GetInt("levels", 0);
    if (levels < 2 || levels > (int64_t{1} << 24)) return std::nullopt;
    if (!SizesPairUp({ranges[0], ranges[1], ranges[2], ranges[3]}, entries)) return std::nullopt;
    for (const Tensor* t : ranges)
      if (!AllFinite(Values(t))) return std::nullopt;
    double input_low_min = 0.0;
    for (size_t k = 0; k < entries; ++k) input_low_min = std::min(input_low_min, At(ranges[0], static_cast<int64_t>(k)));
    q.bits = BitsFor(static_cast<double>(levels));
    q.is_signed = input_low_min < 0.0;
    q.narrow = levels == (int64_t{1} << q.bits) - 1;
    q.qmin = q.is_signed ? -(levels / 2) : 0;
    q.qmax = q.qmin + levels - 1;
    q.axis = axis;
    for (size_t k = 0; k < entries; ++k) {
      const double lo = At(ranges[2], static_cast<int64_t>(k)), hi = At(ranges[3], static_cast<int64_t>(k));
      const double step = (hi - lo) / static_cast<double>(levels - 1);
      q.scale.push_back(static_cast<float>(step));
      q.zero_point.push_back(step != 0.0 ? q.qmin + static_cast<int64_t>(std::nearbyint(-lo / step)) : 0);
      q.channel_min.push_back(static_cast<float>(std::min(lo, hi)));
      q.channel_max.push_back(static_cast<float>(std::max(lo, hi)));
    }
    FinishRanges(&q);
    if (r.kind != QuantizedKind::kActivation) CountConstantCodes(*ConstantOf(g_, r.pre), false, &q);
    return r;
  }

  // A float weight already rounded onto a grid (MCT's fakely-quantized export): per output
  // channel, the distinct values lie on multiples of one step. Reported only when the values
  // repeat enough to trust the count (kRepeatsPerLevel).
  std::optional<QuantizerRecord> Grid(NodeId id) {
    const Node& n = g_.nodes[id];
    const ValueId w = InputOf(n, 1);
    const Value* value = w == kNoValue ? nullptr : &g_.values[w];
    if (!value || !value->constant || value->constant->dtype() != DataType::kFloat32) return std::nullopt;
    if (!grid_done_.insert(w).second) return std::nullopt;
    const Tensor& t = *value->constant;
    if (t.rank() < 2 || t.size() == 0) return std::nullopt;
    int axis = 0;
    if (n.op_type == "ConvTranspose") axis = 1;
    if (n.op_type == "Gemm") axis = n.GetInt("transB", 0) ? 0 : 1;
    if (n.op_type == "MatMul") axis = t.rank() - 1;
    ScaleIndexer index(t.shape(), axis, 0, static_cast<size_t>(t.dim(axis)));
    const size_t channels = static_cast<size_t>(t.dim(axis));
    std::vector<std::vector<double>> per_channel(channels);
    std::vector<double> all;
    for (int64_t e = 0; e < t.size(); ++e) {
      const double x = t.GetAsDouble(e);
      per_channel[index(e)].push_back(x);
      all.push_back(x);
    }
    auto distinct = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      return v;
    };
    const std::vector<double> all_distinct = distinct(all);
    const bool tensor_grid = static_cast<double>(all.size()) >= kRepeatsPerLevel * all_distinct.size() &&
                             static_cast<int64_t>(all_distinct.size()) <= kMaxGridLevels;
    bool channel_grid = true;
    size_t channel_levels = 0;
    QuantizationInfo q;
    q.dialect = "grid";
    q.container_bits = 32;
    q.axis = axis;
    for (const std::vector<double>& values : per_channel) {
      const std::vector<double> d = distinct(values);
      channel_levels = std::max(channel_levels, d.size());
      if (static_cast<double>(values.size()) < kRepeatsPerLevel * d.size() || static_cast<int64_t>(d.size()) > kMaxGridLevels)
        channel_grid = false;
      // The grid step: the smallest gap between neighbouring values (0 for a constant channel).
      double step = 0.0;
      for (size_t k = 1; k < d.size(); ++k) step = step == 0.0 ? d[k] - d[k - 1] : std::min(step, d[k] - d[k - 1]);
      q.scale.push_back(static_cast<float>(step));
      q.zero_point.push_back(0);
      q.channel_min.push_back(static_cast<float>(d.front()));
      q.channel_max.push_back(static_cast<float>(d.back()));
    }
    // A tensor of one repeated value (an averaging kernel, zeros) is a constant, not a grid.
    if ((!tensor_grid && !channel_grid) || all_distinct.size() < 2) return std::nullopt;
    // Per channel grids imply the fewest bits; a per-tensor grid is described by its own count
    // when it implies no more bits than that.
    const double levels = channel_grid && (!tensor_grid || BitsFor(static_cast<double>(channel_levels)) <
                                                              BitsFor(static_cast<double>(all_distinct.size())))
                              ? static_cast<double>(channel_levels)
                              : static_cast<double>(all_distinct.size());
    q.bits = BitsFor(levels);
    q.qmin = 0;
    q.qmax = static_cast<int64_t>(levels) - 1;
    q.distinct_values = static_cast<int64_t>(all_distinct.size());
    q.levels_used = static_cast<int64_t>(levels);
    q.bits_used = q.bits;
    q.is_signed = all_distinct.front() < 0.0;
    FinishRanges(&q);
    QuantizerRecord r;
    r.pre = r.post = w;
    r.kind = QuantizedKind::kWeight;
    r.info = std::move(q);
    return r;
  }

  const Graph& g_;
  const FindOptions options_;
  std::vector<QuantizerRecord> records_;
  std::set<NodeId> consumed_;  // DequantizeLinear nodes already part of a QuantizeLinear's record
  std::set<ValueId> grid_done_;
};

}  // namespace

std::vector<QuantizerRecord> FindQuantizers(const Graph& graph, const FindOptions& options) {
  return Finder(graph, options).Run();
}

bool IsWeightedOpType(const Node& n) {
  return n.domain.empty() &&
         (n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" || n.op_type == "MatMul");
}

LayerWeight WeightOfLayer(const Graph& g, const std::vector<QuantizerRecord>& records, const Node& node) {
  static const std::set<std::string> kLayout = {"Identity", "Transpose", "Reshape", "Flatten",
                                                "Squeeze",  "Unsqueeze", "Cast"};
  LayerWeight out;
  if (!IsWeightedOpType(node)) return out;
  std::vector<size_t> slots = {1};
  if (node.op_type == "MatMul") slots = {1, 0};
  for (size_t slot : slots) {
    ValueId v = InputOf(node, slot);
    for (int depth = 0; depth < 8 && v != kNoValue; ++depth) {
      if (const QuantizerRecord* r = FindRecordByPost(records, v); r && r->kind != QuantizedKind::kActivation) {
        out.found = true;
        out.record = r;
        return out;
      }
      const Value& value = g.values[v];
      if (value.constant && value.constant->defined()) {
        out.found = true;
        out.float_constant = &*value.constant;
        return out;
      }
      if (value.producer == kNoNode) break;
      const Node& p = g.nodes[value.producer];
      if (!p.domain.empty() || !kLayout.count(p.op_type)) break;
      v = InputOf(p, 0);
    }
  }
  return out;
}

const Node* WeightedProducer(const Graph& g, ValueId value) {
  static const std::set<std::string> kFused = {"Relu", "Clip", "LeakyRelu", "BatchNormalization", "Identity",
                                               "Cast", "Add"};
  ValueId v = value;
  for (int depth = 0; depth < 4 && v != kNoValue; ++depth) {
    const NodeId p = g.values[v].producer;
    if (p == kNoNode) return nullptr;
    const Node& n = g.nodes[p];
    if (IsWeightedOpType(n)) return &n;
    if (!n.domain.empty() || !kFused.count(n.op_type)) return nullptr;
    // One data input (Add only as a bias: its other input a constant).
    ValueId next = kNoValue;
    for (ValueId in : n.inputs) {
      if (in == kNoValue || g.values[in].constant) continue;
      if (next != kNoValue) return nullptr;
      next = in;
    }
    v = next;
  }
  return nullptr;
}

}  // namespace analysis
}  // namespace xquant
