#include <ipcctl/util/error.hpp>

#include <cstring>

namespace ipcctl {

std::string Error::message() const {
  std::string out = op;
  if (!subject.empty()) {
    if (!out.empty()) out += ' ';
    out += subject;
  }
  const std::string why = code != 0 ? std::string(std::strerror(code)) : detail;
  if (!why.empty()) {
    if (!out.empty()) out += ": ";
    out += why;
  }
  return out;
}

Error sys_error(std::string op, std::string subject) {
  const int err = errno;
  return Error{err, std::move(op), std::move(subject), {}};
}

} // namespace ipcctl
