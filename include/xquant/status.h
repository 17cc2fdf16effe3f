// Status and StatusOr<T>: the one error type of xquant's API.
//
// Every fallible call returns a Status (or a StatusOr<T> carrying a value on success). The message
// is written for the user: it says what is wrong, where (file, node, tensor) and, when it can, what
// to do. Third-party exceptions (protobuf, oneDNN) are caught at the folder that uses the library
// and turned into a Status with context.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace xquant {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad user input: a malformed model, a wrong input shape, a bad option
  kNotFound,         // a file, tensor or node that does not exist
  kNotSupported,     // valid input that xquant does not handle (an op, a dtype, an attribute)
  kCorruption,       // a file whose bytes are not what its format requires
  kIOError,          // the operating system refused a read or write
  kInternal,         // a bug in xquant; the message says where
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NotSupported: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status NotSupportedError(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
inline Status CorruptionError(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
inline Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none.
// REQUIRES: value() is only called when ok().
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = InternalError("StatusOr constructed from an OK status without a value");
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace xquant

#define XQ_CONCAT_INNER_(a, b) a##b
#define XQ_CONCAT_(a, b) XQ_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` (a Status) is not OK.
#define XQ_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::xquant::Status xq_status_ = (expr);           \
    if (!xq_status_.ok()) return xq_status_;        \
  } while (0)

// `lhs = value of expr` (a StatusOr), or return its Status.
#define XQ_ASSIGN_OR_RETURN(lhs, expr) XQ_ASSIGN_OR_RETURN_IMPL_(XQ_CONCAT_(xq_so_, __LINE__), lhs, expr)
#define XQ_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
