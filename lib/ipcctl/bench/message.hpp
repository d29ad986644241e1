#pragma once
// What ipcbench sends, on every platform: the message layout both sides check
// (a 64-bit sequence number, then a fixed pattern) and the sizes it takes and
// prints. Platform-neutral, so the Windows build measures with the same.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::bench {

// The sequence number that ends a run.
inline constexpr std::uint64_t k_stop = 0xFFFF'FFFF'FFFF'0000ull;
// A receiver checks the whole payload of one message in this many.
inline constexpr std::uint64_t k_check_every = 64;
// The bytes of the sequence number: the smallest message that carries one.
inline constexpr std::size_t k_seq_bytes = 8;

// The largest message size ipcbench accepts: both sides hold a buffer of it.
inline constexpr std::uint64_t k_max_message = std::uint64_t{64} << 20;
// The smallest message size ipcbench accepts: one that carries the sequence number.
inline constexpr std::uint64_t k_min_message = k_seq_bytes;

// `size` >= k_seq_bytes. Exposed for tests.
void fill_message(std::byte* data, std::size_t size, std::uint64_t seq);
void put_seq(std::byte* data, std::uint64_t seq);
std::uint64_t message_seq(const std::byte* data);
bool message_intact(const std::byte* data, std::size_t size);

// "64,4K,64K,1M" -> bytes; nullopt (with `bad` set to the offending word) on
// junk, an empty element, or a size below k_min_message or above k_max_message.
std::optional<std::vector<std::size_t>> parse_size_list(std::string_view text, std::string* bad = nullptr);
// "1K" style rendering of a size: 64 -> "64B", 65536 -> "64K", 1048576 -> "1M".
std::string format_size(std::size_t bytes);

} // namespace ipcctl::bench
