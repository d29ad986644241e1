// ipctrace's decoders of what a tracee hands the kernel: sockaddrs,
// msghdrs with their iovecs and SCM_RIGHTS control data, C strings, iovec
// arrays, descriptor link texts and socket protocol names, and then the
// output stage that turns those bytes (names, addresses, payloads) into text
// and JSON Lines. A tracee may pass any pointer, any length and any bytes:
// each must decode or be refused, never read out of bounds, never throw.
//
// The first byte selects the decoder; the rest is the tracee's memory,
// mapped at k_base. Pointers outside it are unreadable, as an unmapped
// address is to process_vm_readv.
#include <ipcctl/model/kind.hpp>
#include <ipcctl/trace/decode.hpp>
#include <ipcctl/trace/event.hpp>
#include <ipcctl/trace/output.hpp>
#include <ipcctl/trace/resolve.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

using namespace ipcctl;
using namespace ipcctl::trace;

namespace {

constexpr std::uint64_t k_base = 0x10000;

class FuzzMemory : public Memory {
public:
  explicit FuzzMemory(std::string_view bytes) : m_bytes(bytes) {}
  bool read(std::uint64_t addr, void* out, std::size_t n) const override {
    if (addr < k_base) return false;
    const std::uint64_t off = addr - k_base;
    if (off > m_bytes.size() || n > m_bytes.size() - off) return false;
    if (n) std::memcpy(out, m_bytes.data() + off, n);
    return true;
  }

private:
  std::string_view m_bytes;
};

// Reads fixed-size fields from the front of the input, zero past its end.
class Reader {
public:
  explicit Reader(std::string_view bytes) : m_rest(bytes) {}
  template <class T>
  T take() {
    T v{};
    const std::size_t n = std::min(sizeof v, m_rest.size());
    std::memcpy(&v, m_rest.data(), n);
    m_rest.remove_prefix(n);
    return v;
  }
  // A string of up to `max` bytes, its length from one byte of input.
  std::string text(std::size_t max) {
    const std::size_t n = std::min<std::size_t>({take<std::uint8_t>(), max, m_rest.size()});
    std::string s(m_rest.substr(0, n));
    m_rest.remove_prefix(n);
    return s;
  }

private:
  std::string_view m_rest;
};

// Records built from the input, with names and payloads of any bytes, go
// through the output stage as ipctrace runs it: resolved (offline), filtered,
// then written as text, JSON Lines or a summary.
void fuzz_output(std::string_view bytes, std::uint8_t mode) {
  Reader in(bytes);
  Batch b;
  const auto kinds = model::all_kinds();
  const unsigned nrec = in.take<std::uint8_t>() % 5u;
  for (unsigned i = 0; i < nrec; ++i) {
    Record r;
    r.mono_ns = in.take<std::int64_t>();
    r.wall_ns = in.take<std::int64_t>();
    r.duration_ns = in.take<std::int64_t>();
    r.result = in.take<std::int64_t>();
    r.channel = in.take<std::uint64_t>();
    r.requested = in.take<std::uint64_t>();
    r.transferred = in.take<std::uint64_t>();
    r.pid = in.take<std::int32_t>();
    r.tid = in.take<std::int32_t>();
    r.fd = in.take<std::int32_t>();
    r.target = in.take<std::int32_t>();
    r.aux = in.take<std::int32_t>();
    r.nr = in.take<std::uint16_t>();
    r.kind = kinds[in.take<std::uint8_t>() % kinds.size()];
    r.op = static_cast<Op>(in.take<std::uint8_t>() % (static_cast<unsigned>(Op::fd_pass) + 1));
    r.dir = static_cast<Dir>(in.take<std::uint8_t>() % 3);
    r.flags = in.take<std::uint8_t>();
    r.sock_type = in.take<std::uint8_t>();
    r.name = b.strings.add(in.text(64));
    const std::string payload = in.text(64);
    r.payload = payload.empty() ? 0 : b.add_payload(payload);
    b.records.push_back(r);
  }
  Resolver resolver(false);
  resolver.note_process(in.take<std::int32_t>(), in.text(16));
  for (const Record& r : b.records) resolver.note_process(r.pid, in.text(16));
  OutputOptions opts;
  opts.json = mode & 1;
  opts.summary = mode & 2;
  opts.format.hex = mode & 4;
  opts.format.utc = true;
  static std::FILE* const sink = std::fopen("/dev/null", "we");
  if (!sink) return;
  Output out(opts, sink, resolver);
  out.batch(b);
  out.tick();
  out.finish();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const FuzzMemory mem(rest);
  Reader head(rest);
  switch (data[0] % 8) {
  case 0: (void)sockaddr_text(rest); break;
  case 1: (void)parse_scm_rights(rest); break;
  case 2:
    // recvmsg and sendmsg: the header, then the payload preview it describes.
    if (auto h = read_msghdr(mem, k_base)) (void)iov_read(mem, h->iov, h->iovlen, 64, h->bytes);
    break;
  case 3: {
    // writev/readv: an iovec array at an offset, with a count and a limit.
    const auto off = head.take<std::uint16_t>();
    const auto count = head.take<std::uint16_t>();
    const auto limit = head.take<std::uint32_t>();
    (void)iov_total(mem, k_base + off, count);
    (void)iov_read(mem, k_base + off, count, 256, limit);
    break;
  }
  case 4: {
    // mq_open, shm_open, open of a FIFO: a string anywhere, any bound.
    const auto off = head.take<std::uint16_t>();
    const auto max = head.take<std::uint16_t>();
    (void)read_cstring(mem, k_base + off, max);
    break;
  }
  case 5: {
    std::uint64_t inode = 0;
    std::uint8_t sock_type = 0;
    (void)classify_link(rest, inode);
    (void)kind_from_protoname(rest, sock_type);
    break;
  }
  case 6: (void)hex_dump(rest, "  "); break;
  case 7: fuzz_output(rest, data[0] >> 3); break;
  }
  return 0;
}
