#include "report/tensorboard/event_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <type_traits>

#include "report/tensorboard/tfrecord.h"
#include "src/report/tensorboard/tensorboard.pb.h"

namespace xquant::tensorboard {
namespace {

double WallTime() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

void FillShape(const TensorShape& shape, pb::TensorShapeProto* out) {
  if (shape.unknown_rank) {
    out->set_unknown_rank(true);
    return;
  }
  for (int64_t d : shape.dims) out->add_dim()->set_size(d);
}

void FillAttr(const AttrValue& value, pb::AttrValue* out) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out->set_s(v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out->set_i(v);
        } else if constexpr (std::is_same_v<T, float>) {
          out->set_f(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out->set_b(v);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          auto* list = out->mutable_list();
          for (const std::string& s : v) list->add_s(s);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          auto* list = out->mutable_list();
          for (int64_t i : v) list->add_i(i);
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          auto* list = out->mutable_list();
          for (float f : v) list->add_f(f);
        } else {
          static_assert(std::is_same_v<T, std::vector<TensorShape>>);
          auto* list = out->mutable_list();
          for (const TensorShape& s : v) FillShape(s, list->add_shape());
        }
      },
      value);
}

// A Summary event holding one value; the caller fills the value's payload.
pb::Summary::Value* NewSummaryValue(pb::Event* event, int64_t step, const std::string& tag,
                                    const std::string& description) {
  event->set_wall_time(WallTime());
  event->set_step(step);
  pb::Summary::Value* value = event->mutable_summary()->add_value();
  value->set_tag(tag);
  if (!description.empty()) value->mutable_metadata()->set_summary_description(description);
  return value;
}

std::string Serialize(const pb::Event& event) {
  std::string bytes;
  event.SerializeToString(&bytes);
  return bytes;
}

}  // namespace

void EventWriter::FileCloser::operator()(std::FILE* f) const {
  if (f != nullptr) std::fclose(f);
}

StatusOr<EventWriter> EventWriter::Open(const std::string& dir,
                                        const std::string& filename_suffix) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return IOError("TensorBoard run directory '" + dir + "': cannot create it" +
                   (ec ? ": " + ec.message() : ": a file of that name is in the way"));
  }
  std::string path =
      (std::filesystem::path(dir) / ("events.out.tfevents." + std::to_string(std::time(nullptr)) +
                                     "." + HostName() + filename_suffix))
          .string();
  // "x": fail rather than overwrite an event file written within the same second.
  std::FILE* file = std::fopen(path.c_str(), "wbx");
  if (file == nullptr) {
    int err = errno;
    if (err == EEXIST) {
      return IOError("TensorBoard event file '" + path +
                     "' already exists; remove it or open the writer with another filename suffix");
    }
    return IOError("TensorBoard event file '" + path +
                   "': cannot create it: " + std::strerror(err));
  }
  EventWriter writer(std::move(path), file);
  pb::Event first;
  first.set_wall_time(WallTime());
  first.set_file_version("brain.Event:2");
  XQ_RETURN_IF_ERROR(writer.WriteEvent(Serialize(first)));
  return writer;
}

Status EventWriter::AddScalar(const std::string& tag, int64_t step, double value,
                              const std::string& description) {
  pb::Event event;
  NewSummaryValue(&event, step, tag, description)->set_simple_value(static_cast<float>(value));
  return WriteEvent(Serialize(event));
}

Status EventWriter::AddHistogram(const std::string& tag, int64_t step,
                                 const HistogramValues& histogram, const std::string& description) {
  if (histogram.bucket_limit.size() != histogram.bucket.size()) {
    return InvalidArgumentError("TensorBoard event file '" + path_ + "': histogram '" + tag +
                                "' has " + std::to_string(histogram.bucket_limit.size()) +
                                " bucket limits but " + std::to_string(histogram.bucket.size()) +
                                " buckets; they must match");
  }
  pb::Event event;
  pb::HistogramProto* h = NewSummaryValue(&event, step, tag, description)->mutable_histo();
  h->set_min(histogram.min);
  h->set_max(histogram.max);
  h->set_num(histogram.num);
  h->set_sum(histogram.sum);
  h->set_sum_squares(histogram.sum_squares);
  h->mutable_bucket_limit()->Add(histogram.bucket_limit.begin(), histogram.bucket_limit.end());
  h->mutable_bucket()->Add(histogram.bucket.begin(), histogram.bucket.end());
  return WriteEvent(Serialize(event));
}

Status EventWriter::AddText(const std::string& tag, int64_t step, const std::string& markdown,
                            const std::string& description) {
  pb::Event event;
  pb::Summary::Value* value = NewSummaryValue(&event, step, tag, description);
  // The text plugin's format: plugin "text", a scalar DT_STRING tensor.
  pb::SummaryMetadata* metadata = value->mutable_metadata();
  metadata->mutable_plugin_data()->set_plugin_name("text");
  metadata->set_data_class(pb::DATA_CLASS_TENSOR);
  pb::TensorProto* tensor = value->mutable_tensor();
  tensor->set_dtype(pb::DT_STRING);
  tensor->mutable_tensor_shape();  // present and empty: rank 0
  tensor->add_string_val(markdown);
  return WriteEvent(Serialize(event));
}

Status EventWriter::AddGraph(const GraphDef& graph) {
  pb::GraphDef proto;
  for (const NodeDef& node : graph.nodes) {
    pb::NodeDef* out = proto.add_node();
    out->set_name(node.name);
    out->set_op(node.op);
    for (const std::string& input : node.inputs) out->add_input(input);
    out->set_device(node.device);
    for (const auto& [key, value] : node.attrs) FillAttr(value, &(*out->mutable_attr())[key]);
  }
  pb::Event event;
  event.set_wall_time(WallTime());
  if (!proto.SerializeToString(event.mutable_graph_def())) {
    return InternalError("TensorBoard event file '" + path_ +
                         "': the graph could not be serialised");
  }
  return WriteEvent(Serialize(event));
}

Status EventWriter::WriteEvent(const std::string& event) {
  if (file_ == nullptr)
    return InvalidArgumentError("TensorBoard event file '" + path_ + "' is already closed");
  std::string frame;
  AppendRecord(event, &frame);
  if (std::fwrite(frame.data(), 1, frame.size(), file_.get()) != frame.size()) {
    return IOError("TensorBoard event file '" + path_ + "': write failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status EventWriter::Flush() {
  if (file_ == nullptr)
    return InvalidArgumentError("TensorBoard event file '" + path_ + "' is already closed");
  if (std::fflush(file_.get()) != 0) {
    return IOError("TensorBoard event file '" + path_ + "': write failed: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status EventWriter::Close() {
  if (file_ == nullptr) return Status::Ok();
  bool flushed = std::fflush(file_.get()) == 0;
  int err = errno;
  bool closed = std::fclose(file_.release()) == 0;
  if (!closed) err = errno;
  if (!flushed || !closed) {
    return IOError("TensorBoard event file '" + path_ +
                   "': write failed when closing: " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace xquant::tensorboard
