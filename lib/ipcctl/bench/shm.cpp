// Shared memory is a copy into a slot and a copy out; what differs between
// the variants is only how the other side learns that a slot is full or
// free: the doorbell. Each direction is a ring of slots with two counting
// doorbells (items: posted by the producer, spaces: by the consumer), each
// with exactly one poster and one waiter, so the spin and futex doorbells are
// single-writer counters, not contended read-modify-writes, and a waiter
// remembers how far the counter had gone, reading the shared line again only
// when that credit is spent. The spin variant, the floor, goes further: a
// slot carries its own sequence word next to the payload, so a small message
// costs one cache-line transfer each way, and also how far its writer has
// read the other direction, so in a ping-pong the replies free the slots and
// the counter of free slots (still posted, in batches, for one-way streams)
// is never read and stays in its writer's cache. Slots are a multiple of two
// cache lines: the adjacent-line prefetcher fetches lines in pairs, and a
// neighbour's line fetched with ours is one its writer must then take back.
// The region is an anonymous shared
// mapping made before the fork: it has no name to leave behind. Only the SysV
// semaphore set needs tracking until IPC_RMID.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <ipcctl/util/fd.hpp>

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

namespace ipcctl::bench {

namespace {

enum class Bell { spin, futex, posix_sem, sysv_sem, condvar, eventfd, pipe };

// The shared part of one doorbell; each kind uses its own fields.
struct alignas(64) BellShared {
  std::atomic<std::uint32_t> posted{0};   // spin, futex: how many posts so far
  std::atomic<std::uint32_t> waiting{0};  // futex: the waiter may sleep
  std::uint32_t count = 0;                // condvar
  sem_t sem;
  pthread_mutex_t mutex;
  pthread_cond_t cond;
};

constexpr int k_bells = 4;  // direction d: items at 2d, spaces at 2d+1

struct Header {
  BellShared bells[k_bells];
};

long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t val) {
  // A shared mapping across processes: no FUTEX_PRIVATE_FLAG.
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op, val, nullptr, nullptr, 0);
}

class ShmTransport : public Transport {
public:
  explicit ShmTransport(Bell bell) : m_bell(bell) {}
  ~ShmTransport() override {
    if (!m_header) return;
    if (m_owner) {
      for (auto& b : m_header->bells) {
        if (m_bell == Bell::posix_sem) ::sem_destroy(&b.sem);
        if (m_bell == Bell::condvar) {
          ::pthread_cond_destroy(&b.cond);
          ::pthread_mutex_destroy(&b.mutex);
        }
      }
      if (m_semid >= 0) {
        ::semctl(m_semid, 0, IPC_RMID);
        forget_sysv(m_semid);
      }
    }
    if (m_unmaps) ::munmap(m_region, m_region_size);
  }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = m_bell == Bell::spin ? Poll::spin : opts.poll;
    m_slot = (k_slot_header + opts.size + 127) / 128 * 128;
    m_slots = std::clamp<std::size_t>((4u << 20) / m_slot, 2, opts.test == Test::latency ? 16 : 64);
    m_slots = std::size_t{1} << (63 - __builtin_clzll(m_slots));  // a power of two: no division per message
    m_region_size = sizeof(Header) + 2 * m_slots * m_slot;
    m_region = ::mmap(nullptr, m_region_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m_region == MAP_FAILED) {
      m_region = nullptr;
      return fail(sys_error("mmap", "shared region"));
    }
    m_header = new (m_region) Header{};
    m_owner = true;
    if (m_bell == Bell::sysv_sem) {
      m_semid = ::semget(IPC_PRIVATE, k_bells, IPC_CREAT | IPC_EXCL | 0600);
      if (m_semid < 0) return fail(sys_error("semget", "IPC_PRIVATE"));
      track_sysv(SysvKind::sem, m_semid);
    }
    for (int i = 0; i < k_bells; ++i) {
      // spaces start full, but spin counts from zero what the peer has read
      const auto initial = static_cast<std::uint32_t>(i % 2 == 1 && m_bell != Bell::spin ? m_slots : 0);
      if (auto r = init_bell(i, initial); !r) return r;
    }
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    m_out = side == Side::a ? 0 : 1;
    m_in = 1 - m_out;
    if (side == Side::b) m_owner = false;
    if (m_poll == Poll::spin && (m_bell == Bell::eventfd || m_bell == Bell::pipe))
      for (auto& bell : m_fds)
        if (auto r = set_nonblocking(bell[0].get(), true); !r) return r;
    return {};
  }

  // Side b's transport shares the region, which side a's unmaps, and has
  // descriptors of its own for the doorbells.
  Result<std::unique_ptr<Transport>> split() override {
    auto b = std::make_unique<ShmTransport>(m_bell);
    b->m_poll = m_poll;
    b->m_region = m_region;
    b->m_region_size = m_region_size;
    b->m_slot = m_slot;
    b->m_slots = m_slots;
    b->m_header = m_header;
    b->m_semid = m_semid;
    b->m_unmaps = false;
    for (int i = 0; i < k_bells; ++i)
      for (int end = 0; end < 2; ++end) {
        auto fd = dup_fd(m_fds[i][end]);
        if (!fd) return fail(fd.error());
        b->m_fds[i][end] = std::move(*fd);
      }
    return b;
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    if (auto r = m_bell == Bell::spin ? wait_for_space() : wait(2 * m_out + 1); !r) return r;
    std::byte* s = slot(m_out, m_head++);
    std::memcpy(s + k_slot_header, data, size);
    if (m_bell == Bell::spin) {  // the slot's own sequence word is the doorbell
      word(s, 1).store(m_tail, std::memory_order_relaxed);
      word(s, 0).store(m_head, std::memory_order_release);
      return {};
    }
    return post(2 * m_out);
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    std::byte* s = slot(m_in, m_tail);
    if (m_bell == Bell::spin) {
      const std::uint64_t want = m_tail + 1;
      if (!spin_until([&] { return word(s, 0).load(std::memory_order_acquire) == want; }))
        return fail(aborted_error("spin"));
      m_read_by_peer = std::max(m_read_by_peer, word(s, 1).load(std::memory_order_relaxed));
    } else if (auto r = wait(2 * m_in); !r) {
      return r;
    }
    ++m_tail;
    std::memcpy(data, s + k_slot_header, size);
    if (m_bell == Bell::spin) {
      // Free slots in batches of half the ring: a store to the shared counter
      // line per message would delay our next store (x86 keeps store order)
      // by a cache miss, on the critical path of a ping-pong.
      const std::uint64_t batch = m_slots / 2;
      if ((m_tail & (batch - 1)) == 0) {
        BellShared& b = m_header->bells[2 * m_in + 1];
        b.posted.store(b.posted.load(std::memory_order_relaxed) + static_cast<std::uint32_t>(batch),
                       std::memory_order_release);
      }
      return {};
    }
    return post(2 * m_in + 1);
  }

private:
  // A slot: the sequence word (spin: the doorbell), how many messages its
  // writer had read from the other direction (spin), then the payload.
  static constexpr std::size_t k_slot_header = 16;

  std::byte* slot(int dir, std::uint64_t n) {
    auto* base = static_cast<std::byte*>(m_region) + sizeof(Header);
    return base + (static_cast<std::size_t>(dir) * m_slots + (n & (m_slots - 1))) * m_slot;
  }
  static std::atomic<std::uint64_t>& word(std::byte* slot, int n) {
    return reinterpret_cast<std::atomic<std::uint64_t>*>(slot)[n];
  }

  // Spin: waits until the peer has read the slot about to be written. What
  // its replies said comes first; then the counter it posts in batches.
  Result<void> wait_for_space() {
    if (m_head - m_read_by_peer < m_slots) return {};
    BellShared& b = m_header->bells[2 * m_out + 1];
    const bool ok = spin_until([&] {
      const std::uint32_t posted = b.posted.load(std::memory_order_acquire);
      m_freed_by_bell += static_cast<std::uint32_t>(posted - m_bell_seen);  // modulo 2^32
      m_bell_seen = posted;
      m_read_by_peer = std::max(m_read_by_peer, m_freed_by_bell);
      return m_head - m_read_by_peer < m_slots;
    });
    return ok ? Result<void>{} : fail(aborted_error("spin"));
  }

  Result<void> init_bell(int i, std::uint32_t initial) {
    BellShared& b = m_header->bells[i];
    switch (m_bell) {
    case Bell::spin:
    case Bell::futex:
      b.posted.store(initial);
      return {};
    case Bell::posix_sem:
      if (::sem_init(&b.sem, 1, initial) != 0) return fail(sys_error("sem_init", "shared"));
      return {};
    case Bell::sysv_sem:
      if (::semctl(m_semid, i, SETVAL, static_cast<int>(initial)) != 0) return fail(sys_error("semctl(SETVAL)", "set"));
      return {};
    case Bell::condvar: {
      pthread_mutexattr_t ma;
      pthread_condattr_t ca;
      ::pthread_mutexattr_init(&ma);
      ::pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
      ::pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
      ::pthread_condattr_init(&ca);
      ::pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
      ::pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
      const int e1 = ::pthread_mutex_init(&b.mutex, &ma), e2 = ::pthread_cond_init(&b.cond, &ca);
      ::pthread_mutexattr_destroy(&ma);
      ::pthread_condattr_destroy(&ca);
      if (e1 || e2) return fail(Error{e1 ? e1 : e2, "pthread_mutex_init", "shared"});
      b.count = initial;
      return {};
    }
    case Bell::eventfd:
      m_fds[i][0] = UniqueFd{::eventfd(initial, EFD_SEMAPHORE | EFD_CLOEXEC)};
      if (!m_fds[i][0]) return fail(sys_error("eventfd", "doorbell"));
      return {};
    case Bell::pipe: {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) return fail(sys_error("pipe2", "doorbell"));
      m_fds[i][0] = UniqueFd{fds[0]};
      m_fds[i][1] = UniqueFd{fds[1]};
      for (std::uint32_t n = 0; n < initial; ++n) {
        const std::byte one{1};
        if (auto r = write_all(fds[1], &one, 1, "write(pipe doorbell)"); !r) return r;
      }
      return {};
    }
    }
    return {};
  }

  Result<void> post(int i) {
    BellShared& b = m_header->bells[i];
    switch (m_bell) {
    case Bell::spin:  // the slots are the doorbells: see send() and recv()
      return {};
    case Bell::futex:
      b.posted.store(b.posted.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst);
      if (b.waiting.load(std::memory_order_seq_cst)) futex(&b.posted, FUTEX_WAKE, 1);
      return {};
    case Bell::posix_sem:
      if (::sem_post(&b.sem) != 0) return fail(sys_error("sem_post", "doorbell"));
      return {};
    case Bell::sysv_sem: {
      sembuf op{static_cast<unsigned short>(i), 1, 0};
      if (::semop(m_semid, &op, 1) != 0) return fail(sys_error("semop", "doorbell"));
      return {};
    }
    case Bell::condvar:
      if (int e = lock(b); e) return fail(Error{e, "pthread_mutex_lock", "doorbell"});
      ++b.count;
      ::pthread_cond_signal(&b.cond);
      ::pthread_mutex_unlock(&b.mutex);
      return {};
    case Bell::eventfd: {
      const std::uint64_t one = 1;
      return write_all(m_fds[i][0].get(), reinterpret_cast<const std::byte*>(&one), 8, "write(eventfd)");
    }
    case Bell::pipe: {
      const std::byte one{1};
      return write_all(m_fds[i][1].get(), &one, 1, "write(pipe doorbell)");
    }
    }
    return {};
  }

  Result<void> wait(int i) {
    BellShared& b = m_header->bells[i];
    Backoff backoff;
    switch (m_bell) {
    case Bell::spin:  // the slots are the doorbells: see send() and recv()
      return {};
    case Bell::futex: {
      const std::uint32_t seen = m_consumed[i];
      if (m_observed[i] != seen) {  // credit left from the last look at the counter
        ++m_consumed[i];
        return {};
      }
      auto ready = [&] {
        m_observed[i] = b.posted.load(std::memory_order_acquire);
        return m_observed[i] != seen;
      };
      if (m_poll == Poll::spin) {
        if (!spin_until(ready)) return fail(aborted_error("spin"));
      } else {
        while (!ready()) {
          b.waiting.store(1, std::memory_order_seq_cst);
          if (b.posted.load(std::memory_order_seq_cst) == seen) futex(&b.posted, FUTEX_WAIT, seen);
          b.waiting.store(0, std::memory_order_relaxed);
          if (aborted()) return fail(aborted_error("futex"));
        }
      }
      ++m_consumed[i];
      return {};
    }
    case Bell::posix_sem:
      for (;;) {
        if ((m_poll == Poll::spin ? ::sem_trywait(&b.sem) : ::sem_wait(&b.sem)) == 0) return {};
        if (errno == EINTR && !aborted()) continue;
        if (errno == EAGAIN && backoff.wait()) continue;
        return fail(aborted() ? aborted_error("sem_wait") : sys_error("sem_wait", "doorbell"));
      }
    case Bell::sysv_sem:
      for (;;) {
        sembuf op{static_cast<unsigned short>(i), -1, static_cast<short>(m_poll == Poll::spin ? IPC_NOWAIT : 0)};
        if (::semop(m_semid, &op, 1) == 0) return {};
        if (errno == EINTR && !aborted()) continue;
        if (errno == EAGAIN && backoff.wait()) continue;
        return fail(aborted() ? aborted_error("semop") : sys_error("semop", "doorbell"));
      }
    case Bell::condvar:
      for (;;) {
        if (int e = lock(b); e) return fail(Error{e, "pthread_mutex_lock", "doorbell"});
        while (b.count == 0 && m_poll == Poll::block && !aborted()) {
          timespec until{};
          ::clock_gettime(CLOCK_MONOTONIC, &until);
          until.tv_nsec += 100'000'000;  // wake now and then to notice an aborted run
          if (until.tv_nsec >= 1'000'000'000) {
            until.tv_nsec -= 1'000'000'000;
            ++until.tv_sec;
          }
          if (::pthread_cond_timedwait(&b.cond, &b.mutex, &until) == EOWNERDEAD) ::pthread_mutex_consistent(&b.mutex);
        }
        const bool got = b.count > 0;
        if (got) --b.count;
        ::pthread_mutex_unlock(&b.mutex);
        if (got) return {};
        if (!backoff.wait() || aborted()) return fail(aborted_error("pthread_cond_wait"));
      }
    case Bell::eventfd: {
      std::uint64_t v;
      return read_all(m_fds[i][0].get(), reinterpret_cast<std::byte*>(&v), 8, m_poll, "read(eventfd)");
    }
    case Bell::pipe: {
      std::byte v;
      return read_all(m_fds[i][0].get(), &v, 1, m_poll, "read(pipe doorbell)");
    }
    }
    return {};
  }

  // Locks a doorbell's mutex; a peer that died holding it leaves it usable.
  static int lock(BellShared& b) {
    const int e = ::pthread_mutex_lock(&b.mutex);
    if (e == EOWNERDEAD) return ::pthread_mutex_consistent(&b.mutex);
    return e;
  }

  Bell m_bell;
  Poll m_poll = Poll::block;
  bool m_owner = false;
  bool m_unmaps = true;  // false in split()'s second transport
  void* m_region = nullptr;
  std::size_t m_region_size = 0, m_slot = 0, m_slots = 0;
  Header* m_header = nullptr;
  int m_semid = -1;
  UniqueFd m_fds[k_bells][2];  // eventfd: [0]; pipe: read [0], write [1]
  std::uint32_t m_consumed[k_bells] = {};  // futex: posts taken so far
  std::uint32_t m_observed[k_bells] = {};  // the counter when last read
  std::uint64_t m_head = 0, m_tail = 0;
  int m_out = 0, m_in = 1;
  // spin: how many of our messages the peer has read, as far as we know;
  // what its batched counter has said so far, and the counter when last read
  std::uint64_t m_read_by_peer = 0, m_freed_by_bell = 0;
  std::uint32_t m_bell_seen = 0;
};

} // namespace

std::unique_ptr<Transport> make_shm_spin() { return std::make_unique<ShmTransport>(Bell::spin); }
std::unique_ptr<Transport> make_shm_futex() { return std::make_unique<ShmTransport>(Bell::futex); }
std::unique_ptr<Transport> make_shm_posix_sem() { return std::make_unique<ShmTransport>(Bell::posix_sem); }
std::unique_ptr<Transport> make_shm_sysv_sem() { return std::make_unique<ShmTransport>(Bell::sysv_sem); }
std::unique_ptr<Transport> make_shm_condvar() { return std::make_unique<ShmTransport>(Bell::condvar); }
std::unique_ptr<Transport> make_shm_eventfd() { return std::make_unique<ShmTransport>(Bell::eventfd); }
std::unique_ptr<Transport> make_shm_pipe() { return std::make_unique<ShmTransport>(Bell::pipe); }

} // namespace ipcctl::bench
