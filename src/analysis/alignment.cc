#include "analysis/alignment.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/quantizers.h"
#include "common/file_util.h"

namespace xquant::analysis {
namespace {

// Ops that hand their (first) input on unchanged in meaning.
bool IsPassThrough(const Node& n) {
  return n.domain.empty() && (n.op_type == "Identity" || n.op_type == "Dropout" || n.op_type == "Cast");
}
// Float-side ops a quantizer folds or fuses into the preceding layer.
bool IsFoldable(const Node& n) {
  static const std::set<std::string> kOps = {"BatchNormalization", "Relu", "Clip", "LeakyRelu", "Identity",
                                              "Dropout", "Cast"};
  return n.domain.empty() && kOps.count(n.op_type);
}
// Quantized-side ops that may stand alone with no float counterpart (exporter clutter, or an
// activation kept explicit after the quantizer fused it in the float view).
bool IsSkippableClutter(const Node& n) {
  static const std::set<std::string> kOps = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Relu", "Clip"};
  return n.domain.empty() && kOps.count(n.op_type);
}
bool IsCommutative(const std::string& op) {
  return op == "Add" || op == "Mul" || op == "Sum" || op == "Max" || op == "Min";
}
bool IsWeightedOp(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "MatMul";
}

// Per graph: which values are known before the data arrives (constants, shape arithmetic).
std::vector<bool> KnownValues(const Graph& g) {
  std::vector<bool> known(g.values.size(), false);
  for (size_t v = 0; v < g.values.size(); ++v) known[v] = g.values[v].constant.has_value();
  for (const Node& n : g.nodes) {
    bool all_known = !n.inputs.empty();
    if (n.domain.empty() && (n.op_type == "Shape" || n.op_type == "Size")) {
      all_known = true;
    } else {
      for (ValueId in : n.inputs)
        if (in != kNoValue && !known[in]) all_known = false;
    }
    for (ValueId out : n.outputs)
      if (out != kNoValue) known[out] = all_known;
  }
  return known;
}

std::vector<ValueId> DataInputs(const Node& n, const std::vector<bool>& known) {
  std::vector<ValueId> out;
  for (ValueId in : n.inputs)
    if (in != kNoValue && !known[in]) out.push_back(in);
  return out;
}

// The constant weight of a weighted node, or nullptr.
const Tensor* WeightOf(const Graph& g, const Node& n) {
  if (!n.domain.empty() || !IsWeightedOp(n.op_type)) return nullptr;
  std::vector<int> slots = {1};
  if (n.op_type == "Gemm" || n.op_type == "MatMul") slots = {1, 0};
  for (int k : slots) {
    if (k < static_cast<int>(n.inputs.size()) && n.inputs[k] != kNoValue) {
      const Value& v = g.values[n.inputs[k]];
      if (v.constant && v.constant->dtype() == DataType::kFloat32) return &*v.constant;
    }
  }
  return nullptr;
}

// Mean over slices along dimension 0 of |cos(a_i, b_i)|; -1 when shapes differ. BatchNormalization
// folding scales each output channel, which leaves each slice's |cosine| at 1.
double WeightSimilarity(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.size() == 0) return -1.0;
  const int64_t slices = a.rank() >= 2 ? a.dim(0) : 1;
  const int64_t len = a.size() / slices;
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  double total = 0.0;
  for (int64_t s = 0; s < slices; ++s) {
    double dot = 0, na = 0, nb = 0;
    for (int64_t k = s * len; k < (s + 1) * len; ++k) {
      dot += static_cast<double>(pa[k]) * pb[k];
      na += static_cast<double>(pa[k]) * pa[k];
      nb += static_cast<double>(pb[k]) * pb[k];
    }
    total += (na == 0 && nb == 0) ? 1.0 : (na == 0 || nb == 0 ? 0.0 : std::fabs(dot) / std::sqrt(na * nb));
  }
  return total / static_cast<double>(slices);
}

bool SameAttribute(const Attribute& a, const Attribute& b) {
  return a.kind == b.kind && a.i == b.i && a.f == b.f && a.s == b.s && a.ints == b.ints && a.floats == b.floats &&
         a.strings == b.strings;
}

// True when two nodes agree on their attributes and integer constant inputs (Slice starts/ends,
// Reshape shapes, Gather indices): what tells apart two Slices of one tensor.
bool SameParameters(const Graph& ga, const Node& a, const Graph& gb, const Node& b) {
  if (a.attributes.size() != b.attributes.size()) return false;
  for (const auto& [name, attr] : a.attributes) {
    const Attribute* other = b.FindAttribute(name);
    if (!other || !SameAttribute(attr, *other)) return false;
  }
  if (a.inputs.size() != b.inputs.size()) return false;
  for (size_t k = 0; k < a.inputs.size(); ++k) {
    if ((a.inputs[k] == kNoValue) != (b.inputs[k] == kNoValue)) return false;
    if (a.inputs[k] == kNoValue) continue;
    const Value& va = ga.values[a.inputs[k]];
    const Value& vb = gb.values[b.inputs[k]];
    if (!va.constant || !vb.constant) continue;
    const Tensor& ta = *va.constant;
    const Tensor& tb = *vb.constant;
    const bool integer = ta.dtype() == DataType::kInt64 || ta.dtype() == DataType::kInt32;
    if (!integer) continue;
    if (ta.dtype() != tb.dtype() || ta.shape() != tb.shape()) return false;
    for (int64_t e = 0; e < ta.size(); ++e)
      if (ta.GetAsDouble(e) != tb.GetAsDouble(e)) return false;
  }
  return true;
}

struct Pair {
  ValueId float_value = kNoValue;
  std::string method;
  double confidence = 0.0;
};

class Aligner {
 public:
  Aligner(const Graph& fg, const Graph& qg) : fg_(fg), qg_(qg) {
    // Weights are folded constants in a prepared graph: only activation quantizers matter here.
    FindOptions options;
    options.detect_grids = false;
    for (QuantizerRecord& r : FindQuantizers(qg, options))
      if (r.kind == QuantizedKind::kActivation) records_.push_back(std::move(r));
    for (const QuantizerRecord& r : records_) quantizer_nodes_.insert(r.nodes.begin(), r.nodes.end());
    fknown_ = KnownValues(fg);
    qknown_ = KnownValues(qg);
    qcanon_.resize(qg.values.size());
    for (size_t v = 0; v < qg.values.size(); ++v) qcanon_[v] = static_cast<ValueId>(v);
    map_.resize(qg.values.size());
    point_float_.assign(qg.values.size(), kNoValue);
    float_node_used_.assign(fg.nodes.size(), false);
  }

  Status Run(const TensorMapping& mapping, Alignment* out);

 private:
  void MatchInputs();
  Status ApplyMapping(const TensorMapping& mapping, std::vector<std::pair<ValueId, ValueId>>* pinned);
  void MatchNode(NodeId qid);
  bool MatchByWeights(NodeId qid);
  // Float nodes reachable from value f through foldable nodes, with the value each consumes.
  std::vector<std::pair<NodeId, ValueId>> FloatConsumersThroughFoldable(ValueId f) const;
  // True when float value `f` reaches `target` going forward through foldable nodes (or equals it).
  bool ReachesThroughFoldable(ValueId f, ValueId target) const;
  void MapOutputs(NodeId qid, NodeId fid, const std::string& method, double confidence);
  // `point_tensors`: the float tensors of all points; the walk back to a point's head stops there.
  ComparePoint MakePoint(const QuantizerRecord& record, ValueId f, const Pair& pair,
                         const std::set<ValueId>& point_tensors) const;

  const Graph& fg_;
  const Graph& qg_;
  std::vector<QuantizerRecord> records_;  // the quantized graph's activation quantizers
  std::set<NodeId> quantizer_nodes_;      // every node of those records
  std::vector<bool> fknown_, qknown_;
  std::vector<ValueId> qcanon_;       // quantized value -> the value it stands for (through QDQ, casts)
  std::vector<Pair> map_;             // canonical quantized value -> float value
  std::vector<ValueId> point_float_;  // canonical quantized value -> float value its consumers read
  std::vector<bool> float_node_used_;
};

void Aligner::MatchInputs() {
  for (size_t k = 0; k < qg_.inputs.size(); ++k) {
    ValueId q = qg_.inputs[k];
    ValueId f = fg_.FindValue(qg_.values[q].name);
    std::string method = "name";
    if (f == kNoValue || !fg_.values[f].is_graph_input) {
      if (k >= fg_.inputs.size()) continue;
      f = fg_.inputs[k];
      method = "structure";
    }
    map_[q] = {f, method, method == "name" ? 1.0 : 0.9};
  }
}

Status Aligner::ApplyMapping(const TensorMapping& mapping, std::vector<std::pair<ValueId, ValueId>>* pinned) {
  std::vector<std::string> problems;
  for (const auto& [qname, fname] : mapping) {
    ValueId q = qg_.FindValue(qname);
    ValueId f = fg_.FindValue(fname);
    if (q == kNoValue) problems.push_back("quantized tensor '" + qname + "' is not in the quantized model");
    if (f == kNoValue) problems.push_back("float tensor '" + fname + "' is not in the float model");
    if (q != kNoValue && f != kNoValue) pinned->emplace_back(q, f);
  }
  if (!problems.empty()) {
    std::string message = "the tensor mapping names tensors that do not exist:";
    for (const auto& p : problems) message += "\n  - " + p;
    return InvalidArgumentError(message);
  }
  return Status::Ok();
}

std::vector<std::pair<NodeId, ValueId>> Aligner::FloatConsumersThroughFoldable(ValueId f) const {
  std::vector<std::pair<NodeId, ValueId>> out;
  std::vector<ValueId> frontier = {f};
  std::set<ValueId> seen = {f};
  while (!frontier.empty()) {
    ValueId v = frontier.back();
    frontier.pop_back();
    for (NodeId c : fg_.values[v].consumers) {
      out.emplace_back(c, v);
      const Node& n = fg_.nodes[c];
      if (IsFoldable(n) && !n.outputs.empty() && n.outputs[0] != kNoValue && seen.insert(n.outputs[0]).second)
        frontier.push_back(n.outputs[0]);
    }
  }
  return out;
}

bool Aligner::ReachesThroughFoldable(ValueId f, ValueId target) const {
  // Walk back from target through foldable producers.
  ValueId v = target;
  for (int steps = 0; steps < 16 && v != kNoValue; ++steps) {
    if (v == f) return true;
    NodeId p = fg_.values[v].producer;
    if (p == kNoNode || !IsFoldable(fg_.nodes[p])) return false;
    std::vector<ValueId> ins = DataInputs(fg_.nodes[p], fknown_);
    if (ins.empty()) return false;
    v = ins[0];
  }
  return false;
}

void Aligner::MapOutputs(NodeId qid, NodeId fid, const std::string& method, double confidence) {
  const Node& qn = qg_.nodes[qid];
  const Node& fn = fg_.nodes[fid];
  float_node_used_[fid] = true;
  for (size_t k = 0; k < qn.outputs.size() && k < fn.outputs.size(); ++k) {
    if (qn.outputs[k] == kNoValue || fn.outputs[k] == kNoValue) continue;
    map_[qn.outputs[k]] = {fn.outputs[k], method, confidence};
  }
}

bool Aligner::MatchByWeights(NodeId qid) {
  const Node& qn = qg_.nodes[qid];
  const Tensor* qw = WeightOf(qg_, qn);
  if (!qw) return false;
  NodeId best = kNoNode;
  double best_sim = 0.5;  // below this, weights are not evidence of anything
  for (size_t fid = 0; fid < fg_.nodes.size(); ++fid) {
    if (float_node_used_[fid] || fg_.nodes[fid].op_type != qn.op_type) continue;
    const Tensor* fw = WeightOf(fg_, fg_.nodes[fid]);
    if (!fw) continue;
    double sim = WeightSimilarity(*fw, *qw);
    if (sim > best_sim) {
      best_sim = sim;
      best = static_cast<NodeId>(fid);
    }
  }
  if (best == kNoNode) return false;
  MapOutputs(qid, best, "weights", 0.9 * best_sim);
  return true;
}

void Aligner::MatchNode(NodeId qid) {
  const Node& qn = qg_.nodes[qid];
  std::vector<ValueId> qins = DataInputs(qn, qknown_);
  for (ValueId& v : qins) v = qcanon_[v];

  // Candidates: float nodes of the same op type consuming (through foldable nodes) the float
  // partner of the first mapped data input.
  int mapped = 0;
  ValueId anchor = kNoValue;
  for (ValueId v : qins) {
    if (map_[v].float_value != kNoValue) {
      ++mapped;
      if (anchor == kNoValue) anchor = v;
    }
  }
  struct Candidate {
    NodeId fid;
    std::vector<ValueId> feeds;  // float value feeding each quantized data input (kNoValue if unmapped)
    double score;
    bool same_name = false;
  };
  std::vector<Candidate> candidates;
  if (anchor != kNoValue) {
    std::set<NodeId> seen;
    for (const auto& [fid, via] : FloatConsumersThroughFoldable(map_[anchor].float_value)) {
      const Node& fn = fg_.nodes[fid];
      if (fn.op_type != qn.op_type || fn.domain != qn.domain || !seen.insert(fid).second) continue;
      std::vector<ValueId> fins = DataInputs(fn, fknown_);
      if (fins.size() != qins.size()) continue;
      // Each mapped quantized input must reach the float input in the same slot (any slot for
      // commutative ops).
      Candidate c{fid, std::vector<ValueId>(qins.size(), kNoValue), 0.0};
      std::vector<bool> taken(fins.size(), false);
      bool ok = true;
      for (size_t j = 0; j < qins.size() && ok; ++j) {
        ValueId f = map_[qins[j]].float_value;
        if (f == kNoValue) continue;
        bool found = false;
        for (size_t s = 0; s < fins.size() && !found; ++s) {
          if (taken[s] || (!IsCommutative(qn.op_type) && s != j)) continue;
          if (ReachesThroughFoldable(f, fins[s])) {
            taken[s] = true;
            c.feeds[j] = fins[s];
            found = true;
          }
        }
        ok = found;
      }
      if (!ok) continue;
      c.score = float_node_used_[fid] ? 0.0 : 1.0;
      if (SameParameters(fg_, fn, qg_, qn)) c.score += 0.5;
      if (!fn.outputs.empty() && !qn.outputs.empty() && fn.outputs[0] != kNoValue && qn.outputs[0] != kNoValue &&
          fg_.values[fn.outputs[0]].name == qg_.values[qn.outputs[0]].name) {
        c.score += 2.0;
        c.same_name = true;
      }
      const Tensor* fw = WeightOf(fg_, fn);
      const Tensor* qw = WeightOf(qg_, qn);
      if (fw && qw) {
        double sim = WeightSimilarity(*fw, *qw);
        if (sim < 0) continue;  // weight shapes differ: not this layer
        c.score += sim;
      }
      candidates.push_back(std::move(c));
    }
  }
  if (!candidates.empty()) {
    std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return a.score != b.score ? a.score > b.score : a.fid < b.fid;
    });
    const Candidate& best = candidates[0];
    const Node& fn = fg_.nodes[best.fid];
    const bool same_name = best.same_name;
    // Evidence: matching weights speak for themselves; otherwise a pair is as sure as its inputs.
    double confidence = 1.0;
    const Tensor* fw = WeightOf(fg_, fn);
    const Tensor* qw = WeightOf(qg_, qn);
    if (fw && qw) {
      confidence = WeightSimilarity(*fw, *qw);
    } else {
      for (ValueId v : qins)
        if (map_[v].float_value != kNoValue) confidence = std::min(confidence, map_[v].confidence);
      if (mapped < static_cast<int>(qins.size())) confidence *= 0.8;
    }
    // Candidates nothing tells apart (two Slices of one tensor with computed bounds): exporters
    // emit nodes in module order, so the first unused one in float graph order is taken.
    if (candidates.size() > 1 && candidates[1].score >= best.score - 0.05 && !same_name) confidence *= 0.9;
    for (size_t j = 0; j < qins.size(); ++j)
      if (best.feeds[j] != kNoValue && point_float_[qins[j]] == kNoValue) point_float_[qins[j]] = best.feeds[j];
    MapOutputs(qid, best.fid, same_name ? "name" : "structure", confidence);
    return;
  }
  // An op with nothing to match on the float side: let its input's partner stand for its output
  // when it is clutter around quantization (Reshape pairs, an activation fused on the float side).
  if (IsSkippableClutter(qn) && qins.size() == 1 && map_[qins[0]].float_value != kNoValue && !qn.outputs.empty()) {
    qcanon_[qn.outputs[0]] = qins[0];
    return;
  }
  if (MatchByWeights(qid)) return;
  // Same tensor name and op type, whatever the structure around it.
  if (!qn.outputs.empty() && qn.outputs[0] != kNoValue) {
    ValueId f = fg_.FindValue(qg_.values[qn.outputs[0]].name);
    if (f != kNoValue && fg_.values[f].producer != kNoNode && fg_.nodes[fg_.values[f].producer].op_type == qn.op_type)
      MapOutputs(qid, fg_.values[f].producer, "name", 0.9);
  }
}

ComparePoint Aligner::MakePoint(const QuantizerRecord& record, ValueId f, const Pair& pair,
                                const std::set<ValueId>& point_tensors) const {
  ComparePoint p;
  p.float_tensor = fg_.values[f].name;
  p.quant_pre_tensor = qg_.values[record.pre].name;
  p.quant_tensor = qg_.values[record.post].name;
  p.quant_node = qg_.nodes[record.quant_node].name;
  p.pairing_method = pair.method;
  p.confidence = pair.confidence;
  p.quantization = record.info;
  // The float nodes this point covers: back from f through foldable producers to the head.
  std::vector<std::string> nodes;
  ValueId v = f;
  NodeId head = kNoNode;
  while (v != kNoValue) {
    NodeId prod = fg_.values[v].producer;
    if (prod == kNoNode) break;
    const Node& n = fg_.nodes[prod];
    nodes.push_back(n.name);
    head = prod;
    if (!IsFoldable(n)) break;
    std::vector<ValueId> ins = DataInputs(n, fknown_);
    if (ins.empty()) break;
    v = ins[0];
    // A tensor compared on its own, or shared with other consumers, belongs to another layer.
    if (point_tensors.count(v) || fg_.values[v].consumers.size() != 1) break;
  }
  std::reverse(nodes.begin(), nodes.end());
  p.float_nodes = nodes;
  if (head == kNoNode) {
    p.name = fg_.values[f].name;
    p.op_type = "Input";
  } else {
    p.name = fg_.nodes[head].name;
    p.op_type = fg_.nodes[head].op_type;
    for (const std::string& name : nodes) {
      NodeId id = fg_.FindNode(name);
      if (id != kNoNode && WeightOf(fg_, fg_.nodes[id])) p.weighted = true;
    }
  }
  return p;
}

Status Aligner::Run(const TensorMapping& mapping, Alignment* out) {
  std::vector<std::pair<ValueId, ValueId>> pinned;
  XQ_RETURN_IF_ERROR(ApplyMapping(mapping, &pinned));
  MatchInputs();
  for (const auto& [q, f] : pinned) map_[q] = {f, "mapping", 1.0};

  for (size_t id = 0; id < qg_.nodes.size(); ++id) {
    const Node& n = qg_.nodes[id];
    bool all_known = true;
    for (ValueId o : n.outputs)
      if (o != kNoValue && !qknown_[o]) all_known = false;
    if (all_known) continue;
    // A quantizer's nodes (and casts) hand their input's meaning on to their output.
    // The data input is the first one not known in advance: a shift-negative Add may hold its
    // constant first (Add(c, x)).
    if (quantizer_nodes_.count(static_cast<NodeId>(id)) || IsPassThrough(n)) {
      ValueId data = n.inputs.empty() ? kNoValue : n.inputs[0];
      for (ValueId in : n.inputs)
        if (in != kNoValue && !qknown_[in]) {
          data = in;
          break;
        }
      if (data != kNoValue && !n.outputs.empty() && n.outputs[0] != kNoValue) qcanon_[n.outputs[0]] = qcanon_[data];
      continue;
    }
    bool pinned_output = false;
    for (ValueId o : n.outputs)
      if (o != kNoValue && map_[o].method == "mapping") pinned_output = true;
    if (!pinned_output) MatchNode(static_cast<NodeId>(id));
  }
  // Pins also decide what a point is compared with.
  for (const auto& [q, f] : pinned) point_float_[qcanon_[q]] = f;

  // The quantization points, one per quantized tensor (several quantizers on the same tensor,
  // one per consumer, are one point).
  struct FoundPoint {
    const QuantizerRecord* record;
    ValueId float_value;
    Pair pair;
  };
  std::vector<FoundPoint> found;
  std::set<ValueId> done;
  for (const QuantizerRecord& r : records_) {
    if (r.pre == kNoValue || qknown_[r.pre]) continue;
    const ValueId canon = qcanon_[r.pre];
    if (!done.insert(canon).second) continue;
    const std::string& node_name = qg_.nodes[r.quant_node].name;
    if (r.post == kNoValue) {
      out->unpaired.push_back({qg_.values[r.pre].name, "no DequantizeLinear follows its QuantizeLinear '" + node_name + "'"});
      continue;
    }
    ValueId f = point_float_[canon] != kNoValue ? point_float_[canon] : map_[canon].float_value;
    if (f == kNoValue) {
      out->unpaired.push_back({qg_.values[r.pre].name, "no float tensor matches it (its producer could not be paired "
                                                       "by name, structure or weights; pin it with a mapping file)"});
      continue;
    }
    Pair pair = map_[canon];
    if (pair.float_value == kNoValue) pair = {f, "mapping", 1.0};
    for (const auto& [q, pf] : pinned)
      if (qcanon_[q] == canon) pair = {pf, "mapping", 1.0};
    found.push_back({&r, f, pair});
  }
  std::set<ValueId> point_tensors;
  for (const FoundPoint& p : found) point_tensors.insert(p.float_value);
  for (const FoundPoint& p : found)
    out->points.push_back(MakePoint(*p.record, p.float_value, p.pair, point_tensors));
  // Names must be unique keys in the report.
  std::map<std::string, int> seen_names;
  for (ComparePoint& p : out->points) {
    int count = ++seen_names[p.name];
    if (count > 1) p.name += "#" + std::to_string(count);
  }
  for (size_t k = 0; k < fg_.outputs.size(); ++k) {
    const std::string& fname = fg_.values[fg_.outputs[k]].name;
    ValueId q = qg_.FindValue(fname);
    if (q != kNoValue && qg_.values[q].is_graph_output) {
      out->outputs.emplace_back(fname, fname);
    } else if (k < qg_.outputs.size()) {
      out->outputs.emplace_back(fname, qg_.values[qg_.outputs[k]].name);
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<TensorMapping> LoadTensorMapping(const std::string& path) {
  XQ_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string expected = "; expected {\"pairs\": [{\"quantized\": \"<tensor>\", \"float\": \"<tensor>\"}, ...]}";
  if (doc.is_discarded()) return InvalidArgumentError("mapping file '" + path + "' is not valid JSON" + expected);
  if (!doc.is_object() || !doc.contains("pairs") || !doc["pairs"].is_array())
    return InvalidArgumentError("mapping file '" + path + "' has no \"pairs\" list" + expected);
  TensorMapping mapping;
  for (size_t k = 0; k < doc["pairs"].size(); ++k) {
    const auto& entry = doc["pairs"][k];
    if (!entry.is_object() || !entry.contains("quantized") || !entry.contains("float") ||
        !entry["quantized"].is_string() || !entry["float"].is_string())
      return InvalidArgumentError("mapping file '" + path + "': pair " + std::to_string(k) +
                                  " needs string fields \"quantized\" and \"float\"" + expected);
    mapping.emplace_back(entry["quantized"].get<std::string>(), entry["float"].get<std::string>());
  }
  return mapping;
}

StatusOr<Alignment> AlignGraphs(const Graph& float_graph, const Graph& quant_graph, const TensorMapping& mapping) {
  Alignment alignment;
  Aligner aligner(float_graph, quant_graph);
  XQ_RETURN_IF_ERROR(aligner.Run(mapping, &alignment));
  return alignment;
}

}  // namespace xquant::analysis
