// QuantizeLinear/DequantizeLinear as files of opsets 10, 13 and 19 contain them, loaded and run
// end to end; expected outputs computed with numpy by tests/fixtures/make_qdq_forms.py.
#include <gtest/gtest.h>

#include <cmath>

#include "xquant/model.h"
#include "xquant/npy.h"
#include "xquant/session.h"

namespace xquant {
namespace {

struct Form {
  const char* name;
  double tolerance;  // 0: exact
};

class QdqForm : public ::testing::TestWithParam<Form> {};

TEST_P(QdqForm, MatchesNumpy) {
  const std::string base = std::string(XQ_QDQ_FORMS_DIR) + "/" + GetParam().name;
  auto model = LoadModel(base + ".onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto input = ReadNpy(base + "_input.npy");
  auto expected = ReadNpy(base + "_expected.npy");
  ASSERT_TRUE(input.ok() && expected.ok());
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Run({{"x", *input}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Tensor& y = (*out)[0].second;
  ASSERT_EQ(y.shape(), expected->shape());
  int64_t mismatches = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    const double a = y.data<float>()[i], e = expected->data<float>()[i];
    // float16 outputs: ours is the exact float32 product, numpy's is rounded to half precision.
    const double allowed = GetParam().tolerance * std::fabs(e);
    if (std::fabs(a - e) > allowed && mismatches++ < 5) ADD_FAILURE() << "element " << i << ": " << a << " vs " << e;
  }
  EXPECT_EQ(mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(Opsets, QdqForm,
                         ::testing::Values(Form{"opset10_uint8", 0.0}, Form{"opset13_int8_axis1", 0.0},
                                           Form{"opset19_fp16_scale", 1.0 / 2048}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace xquant
