#pragma once
// What libipcctl.so exports. The library is compiled with -fvisibility=hidden,
// so a symbol is visible to programs linking it only when a public header
// declares it between IPCCTL_API_BEGIN and IPCCTL_API_END. Every installed
// header does so after its includes (the includes stay outside, so fmt's and
// the standard library's templates keep their own visibility). The public
// headers are listed in lib/ipcctl/meson.build and described in ipcctl(3).
//
// On Windows the library is static (ipcctl.exe links it whole), so there is
// nothing to export and the macros are empty; MinGW's visibility is dllexport.

#if defined(_WIN32) || defined(__CYGWIN__)
#define IPCCTL_API_BEGIN
#define IPCCTL_API_END
#define IPCCTL_API
#else
#define IPCCTL_API_BEGIN _Pragma("GCC visibility push(default)")
#define IPCCTL_API_END _Pragma("GCC visibility pop")
// For one declaration outside a BEGIN/END block.
#define IPCCTL_API __attribute__((visibility("default")))
#endif
