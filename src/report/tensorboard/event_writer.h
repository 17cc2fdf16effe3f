// Writing TensorBoard event files: scalars, histograms, Markdown text and graphs.
//
// One EventWriter writes one file `events.out.tfevents.<unix seconds>.<hostname><suffix>` in a
// directory; TensorBoard shows each directory below its --logdir as one "run". The file is a
// sequence of TFRecord frames (tfrecord.h), each holding one serialised Event: the first carries
// file_version "brain.Event:2", every later one a summary or a graph. Protobuf is an
// implementation detail: callers fill the plain structs below.
//
// Typical use:
//   XQ_ASSIGN_OR_RETURN(EventWriter w, EventWriter::Open(dir));
//   XQ_RETURN_IF_ERROR(w.AddScalar("loss/mse", step, value));
//   XQ_RETURN_IF_ERROR(w.Close());
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "xquant/status.h"

namespace xquant::tensorboard {

// A histogram as TensorBoard stores it: bucket[i] counts the values in
// (bucket_limit[i-1], bucket_limit[i]]; the first bucket starts at `min` and TensorBoard draws the
// last one up to `max`. bucket_limit and bucket must have the same length.
struct HistogramValues {
  double min = 0.0;
  double max = 0.0;
  double num = 0.0;  // number of values (= the sum of `bucket`)
  double sum = 0.0;
  double sum_squares = 0.0;
  std::vector<double> bucket_limit;
  std::vector<double> bucket;
};

// A tensor shape on a graph edge: dims (-1 = unknown size), or an unknown rank.
struct TensorShape {
  std::vector<int64_t> dims;
  bool unknown_rank = false;
};

// A node attribute, shown in the node's info card. TensorBoard's AttrValue kinds: string, int,
// float (stored as float32), bool, and lists of strings, ints, floats and shapes.
using AttrValue = std::variant<std::string, int64_t, float, bool, std::vector<std::string>,
                               std::vector<int64_t>, std::vector<float>, std::vector<TensorShape>>;

// A graph node. TensorBoard draws an edge from every input ("node" = output 0 of that node,
// "node:k" = its output k) and groups nodes into boxes by the '/'-separated scopes of their
// names. The attribute "_output_shapes" (a list of TensorShape, one per output) labels the edges.
struct NodeDef {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  std::string device;
  std::map<std::string, AttrValue> attrs;
};

struct GraphDef {
  std::vector<NodeDef> nodes;
};

class EventWriter {
 public:
  // Creates `dir` (and its parents) if needed and a new event file in it; `filename_suffix` is
  // appended to the file name (to tell apart several files of one run). Writes the file_version
  // record. Fails, naming the path, when the directory cannot be created or the file already
  // exists (never overwrites: TensorBoard would read stale and new records together).
  static StatusOr<EventWriter> Open(const std::string& dir,
                                    const std::string& filename_suffix = "");

  EventWriter(EventWriter&&) = default;
  EventWriter& operator=(EventWriter&&) = default;
  // Closes the file if Close() was not called; errors are then lost, so call Close().
  ~EventWriter() = default;

  // The event file's path.
  const std::string& path() const { return path_; }

  // A point of the scalar chart `tag`. `value` is stored as float32 (as TensorBoard does);
  // NaN and infinities are stored as they are. A non-empty `description` (Markdown) is attached
  // to this point; TensorBoard shows the description of a tag's first point, so give it once.
  Status AddScalar(const std::string& tag, int64_t step, double value,
                   const std::string& description = "");

  // A histogram of the histogram chart `tag`. Fails when bucket_limit and bucket differ in length.
  Status AddHistogram(const std::string& tag, int64_t step, const HistogramValues& histogram,
                      const std::string& description = "");

  // A Markdown text (rendered by TensorBoard's text dashboard, tables included).
  Status AddText(const std::string& tag, int64_t step, const std::string& markdown,
                 const std::string& description = "");

  // The run's graph (TensorBoard's graph dashboard shows the last one written).
  Status AddGraph(const GraphDef& graph);

  // Pushes buffered records to the operating system.
  Status Flush();
  // Flushes and closes the file. REQUIRES nothing: a second call is a no-op returning OK.
  // After Close() every Add* fails.
  Status Close();

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const;
  };

  EventWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  // Frames `event` (a serialised Event) and writes it.
  Status WriteEvent(const std::string& event);

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

}  // namespace xquant::tensorboard
