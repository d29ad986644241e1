#pragma once
// Names come from other users (a FIFO, a /dev/shm file, an abstract socket,
// a process's comm) and may hold any bytes. These are the only functions
// that turn such a name into text for a terminal, a shell or a format that
// wants valid UTF-8. Knows nothing of IPC.
#include <cstddef>
#include <string>
#include <string_view>

namespace ipcctl {

// What terminal_safe escapes besides what always is.
enum class Escape {
  text,   // controls, DEL, C1, bidi controls, bytes that are not UTF-8
  field,  // also space and backslash: the text stays one field for awk (ls --raw)
};

// `s` as a terminal shows it and does nothing else: every byte or character
// that a terminal would act on, or that would break or reorder a line, is
// written as visible ASCII. C0 controls (newline included), DEL and bytes
// that are not part of valid UTF-8 become \xHH; the C1 controls
// (U+0080..U+009F), the bidi controls (U+061C, U+200E, U+200F,
// U+202A..U+202E, U+2066..U+2069) and the line and paragraph separators
// (U+2028, U+2029) become \uHHHH. Other valid UTF-8 is kept. Text of
// printable ASCII is returned unchanged without a second pass.
std::string terminal_safe(std::string_view s, Escape how = Escape::text);
// terminal_safe(s, how) appended to `out`.
void append_terminal_safe(std::string& out, std::string_view s, Escape how = Escape::text);
// Whether terminal_safe(s, how) == s.
bool is_terminal_safe(std::string_view s, Escape how = Escape::text);

// One shell word that stands for exactly the bytes of `s`, as bash's
// printf %q writes it: unquoted when every byte is one of
// [A-Za-z0-9_./:,+=@%-] (and the first is not '='), in POSIX single
// quotes when `s` is printable
// ('it'\''s'), else as $'...' with every byte that terminal_safe would
// escape (and !, \ and ') written as \xHH, \\ or \'. The result is always
// terminal_safe: a fix that names a hostile file can be printed and pasted.
std::string shell_quote(std::string_view s);

// The length of the valid UTF-8 sequence that starts at s[i] (1 for ASCII),
// or 0 when the bytes there are not one: a stray continuation byte, a
// truncated or overlong sequence, a surrogate, or beyond U+10FFFF.
std::size_t utf8_length(std::string_view s, std::size_t i);
bool valid_utf8(std::string_view s);
// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD;
// adds the number of bytes replaced to *replaced when given.
std::string repair_utf8(std::string_view s, std::size_t* replaced = nullptr);

} // namespace ipcctl
