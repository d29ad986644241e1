#pragma once
// Result<T>: a value or an Error. The only place that names tl::expected; under
// C++23 this alias can become std::expected without touching any caller.
#include <ipcctl/api.hpp>
#include <ipcctl/util/error.hpp>

#include <tl/expected.hpp>

IPCCTL_API_BEGIN

namespace ipcctl {

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

} // namespace ipcctl

IPCCTL_API_END
