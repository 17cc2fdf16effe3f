// Dataset::Open: recognises what a spec names (random:, a .npy file, a directory of .npy files,
// per-input subdirectories or images) and hands it to that kind's factory.
#include "xquant/dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "data/dataset_internal.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;

constexpr char kSpecForms[] =
    "a dataset is a directory of .npy files or images, a .npy file, or random:N[:SEED]";

// The sample files of one directory, each kind in natural name order. Hidden files and the labels
// files are not samples; files of other kinds (notes, scripts) are ignored.
struct Listing {
  std::vector<std::string> npy;
  std::vector<std::string> images;
};

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

StatusOr<Listing> ListSamples(const std::string& directory) {
  Listing listing;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code file_ec;
    if (name.empty() || name[0] == '.' || !entry.is_regular_file(file_ec)) continue;
    if (name == "labels.npy" || name == "labels.txt") continue;
    const std::string extension = Lowercase(entry.path().extension().string());
    if (extension == ".npy") {
      listing.npy.push_back(entry.path().string());
    } else if (extension == ".png" || extension == ".jpg" || extension == ".jpeg") {
      listing.images.push_back(entry.path().string());
    }
  }
  if (ec) return IOError("cannot list directory '" + directory + "': " + ec.message());
  std::sort(listing.npy.begin(), listing.npy.end(), data::NaturalLess);
  std::sort(listing.images.begin(), listing.images.end(), data::NaturalLess);
  return listing;
}

std::string QuotedNames(const std::vector<InputSpec>& inputs) {
  std::string names;
  for (const InputSpec& input : inputs) names += (names.empty() ? "'" : ", '") + input.name + "'";
  return names;
}

// DIR/<input name>/ for every input, each holding as many .npy files as the others.
StatusOr<std::vector<std::vector<std::string>>> ListPerInput(const std::string& directory,
                                                             const std::vector<InputSpec>& inputs) {
  std::vector<std::string> missing;
  for (const InputSpec& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(fs::path(directory) / input.name, ec)) missing.push_back(input.name);
  }
  if (!missing.empty()) {
    std::string names;
    for (const std::string& name : missing) names += (names.empty() ? "'" : ", '") + name + "'";
    return InvalidArgumentError("'" + directory + "' has no subdirectory for input(s) " + names +
                                ": the model has " + std::to_string(inputs.size()) + " inputs (" +
                                QuotedNames(inputs) + "), so each input's .npy files go in '" +
                                directory + "/<input name>/'");
  }
  std::vector<std::vector<std::string>> files;
  for (const InputSpec& input : inputs) {
    const std::string subdirectory = (fs::path(directory) / input.name).string();
    XQ_ASSIGN_OR_RETURN(Listing listing, ListSamples(subdirectory));
    if (!listing.images.empty()) {
      return NotSupportedError("'" + subdirectory +
                               "' holds images, but per-input subdirectories hold .npy files "
                               "only; images can feed a single-input model, from '" +
                               directory + "' itself");
    }
    if (listing.npy.empty())
      return InvalidArgumentError("'" + subdirectory + "' holds no .npy files; " + kSpecForms);
    files.push_back(std::move(listing.npy));
  }
  for (size_t input_idx = 1; input_idx < inputs.size(); ++input_idx) {
    if (files[input_idx].size() != files[0].size()) {
      std::string counts;
      for (size_t k = 0; k < inputs.size(); ++k) {
        counts += (k ? ", '" : "'") + inputs[k].name + "': " + std::to_string(files[k].size());
      }
      return InvalidArgumentError(
          "the per-input subdirectories of '" + directory +
          "' hold different numbers of .npy files (" + counts +
          "); samples are paired in name order, so every input needs the same count");
    }
  }
  return files;
}

StatusOr<std::unique_ptr<Dataset>> OpenDirectory(const std::string& directory,
                                                 const std::vector<InputSpec>& inputs,
                                                 const DatasetOptions& options) {
  XQ_ASSIGN_OR_RETURN(Listing listing, ListSamples(directory));
  if (!listing.npy.empty() && !listing.images.empty()) {
    return InvalidArgumentError("'" + directory + "' mixes " + std::to_string(listing.npy.size()) +
                                " .npy files and " + std::to_string(listing.images.size()) +
                                " images; keep one kind of sample per directory");
  }
  const std::vector<std::string> label_files = {(fs::path(directory) / "labels.npy").string(),
                                                (fs::path(directory) / "labels.txt").string()};
  std::error_code ec;
  const bool several_inputs = inputs.size() > 1;
  const bool top_level_empty = listing.npy.empty() && listing.images.empty();
  if (several_inputs ||
      (top_level_empty && fs::is_directory(fs::path(directory) / inputs[0].name, ec))) {
    if (!top_level_empty) {
      return InvalidArgumentError("'" + directory + "' holds samples directly, but the model has " +
                                  std::to_string(inputs.size()) + " inputs (" +
                                  QuotedNames(inputs) + "); put each input's .npy files in '" +
                                  directory + "/<input name>/'");
    }
    XQ_ASSIGN_OR_RETURN(auto files, ListPerInput(directory, inputs));
    XQ_ASSIGN_OR_RETURN(auto labels,
                        data::LoadLabels(label_files, static_cast<int64_t>(files[0].size())));
    return data::OpenNpyDirectory(directory, std::move(files), inputs, std::move(labels));
  }
  if (!listing.npy.empty()) {
    XQ_ASSIGN_OR_RETURN(auto labels,
                        data::LoadLabels(label_files, static_cast<int64_t>(listing.npy.size())));
    return data::OpenNpyDirectory(directory, {std::move(listing.npy)}, inputs, std::move(labels));
  }
  if (!listing.images.empty()) {
    XQ_ASSIGN_OR_RETURN(auto labels,
                        data::LoadLabels(label_files, static_cast<int64_t>(listing.images.size())));
    return data::OpenImageDirectory(directory, std::move(listing.images), inputs[0], options.image,
                                    std::move(labels));
  }
  return InvalidArgumentError(
      "'" + directory + "' holds no .npy files and no images (.png, .jpg, .jpeg); " + kSpecForms);
}

}  // namespace

std::vector<InputSpec> InputSpecsOf(const Model& model) {
  std::vector<InputSpec> specs;
  for (ValueId id : model.graph.inputs) {
    const Value& value = model.graph.values[id];
    InputSpec spec;
    spec.name = value.name;
    spec.dtype = value.dtype;
    if (value.shape) {
      for (const Dim& dim : *value.shape) spec.dims.push_back(dim.known() ? dim.value : -1);
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

StatusOr<std::unique_ptr<Dataset>> Dataset::Open(const std::string& spec,
                                                 const std::vector<InputSpec>& inputs,
                                                 const DatasetOptions& options) {
  if (inputs.empty())
    return InvalidArgumentError("dataset '" + spec + "': the model has no inputs to feed");
  if (spec.rfind("random:", 0) == 0) return data::OpenRandom(spec, inputs);
  if (spec.empty()) return InvalidArgumentError(std::string("no dataset given; ") + kSpecForms);
  std::error_code ec;
  const fs::file_status status = fs::status(spec, ec);
  if (!fs::exists(status)) {
    return NotFoundError("dataset '" + spec + "' does not exist; " + kSpecForms);
  }
  if (fs::is_directory(status)) return OpenDirectory(spec, inputs, options);
  if (Lowercase(fs::path(spec).extension().string()) != ".npy") {
    return InvalidArgumentError("dataset '" + spec + "' is not a .npy file; " + kSpecForms +
                                " (a single image is not a dataset: put it in a directory)");
  }
  return data::OpenNpyFile(spec, inputs);
}

}  // namespace xquant
