// Helpers of the quantizer tests: fixture paths, running a model, comparing outputs.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "xquant/dataset.h"
#include "xquant/model.h"
#include "xquant/session.h"

namespace xquant::qtest {

inline std::string ModelPath(const std::string& name) { return std::string(XQ_QUANTIZE_MODELS) + "/" + name; }

inline std::shared_ptr<const Model> LoadOrDie(const std::string& path) {
  auto m = LoadModel(path);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

// The first `count` samples of `spec` for `model`.
inline std::map<std::string, Tensor> Batch(const Model& model, const std::string& spec, int64_t count) {
  auto ds = Dataset::Open(spec, InputSpecsOf(model));
  EXPECT_TRUE(ds.ok()) << ds.status().ToString();
  if (!ds.ok()) return {};
  auto batch = (*ds)->ReadBatch(0, count);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return batch.ok() ? *batch : std::map<std::string, Tensor>{};
}

// Output 0 of `model` on `inputs`.
inline Tensor RunModel(std::shared_ptr<const Model> model, const std::map<std::string, Tensor>& inputs) {
  if (!model) return Tensor();
  auto session = Session::Create(std::move(model));
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return Tensor();
  auto out = (*session)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? out->at(0).second : Tensor();
}

inline double MaxAbs(const Tensor& t) {
  double m = 0;
  for (int64_t i = 0; i < t.size(); ++i) m = std::max(m, std::abs(t.GetAsDouble(i)));
  return m;
}

inline double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double m = 0;
  for (int64_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(a.GetAsDouble(i) - b.GetAsDouble(i)));
  return m;
}

// 10 log10(sum x^2 / sum (x - y)^2).
inline double SqnrDb(const Tensor& x, const Tensor& y) {
  double s = 0, n = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    s += x.GetAsDouble(i) * x.GetAsDouble(i);
    n += (x.GetAsDouble(i) - y.GetAsDouble(i)) * (x.GetAsDouble(i) - y.GetAsDouble(i));
  }
  return 10 * std::log10(s / std::max(n, 1e-30));
}

}  // namespace xquant::qtest
