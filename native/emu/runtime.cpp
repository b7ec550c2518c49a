// The emulated CUDA device: the kernel scheduler (blocks on a pool of OS threads, the threads of a
// block as fibers) and a stand-in libcudart for the functions bindings/.../cudart.symbols binds
// and the kernels' host code calls. Built as libcudart.so.13 by emu/build.sh.
//
// Streams are synchronous, but for uploads (see complete_uploads).
//
// Settings (environment):
//   SAESTITCH_EMU_ORDER       forward | reverse | random[:SEED] (default random, seed from the clock,
//                             printed once): the order in which a block's threads run between two
//                             synchronisation points.
//   SAESTITCH_EMU_THREADS     OS threads that run blocks (default: the machine's cores).
//   SAESTITCH_EMU_MAX_GRID_Y  the device's gridDim.y and gridDim.z limit (default 65535; tests of
//                             the launchers' slicing use a small one).
//   SAESTITCH_EMU_MEMORY_MB   device memory (default 8192).
#include "saestitch_emu.h"

#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern "C" void emu_switch(void** save_sp, void* load_sp);
// Saves the callee-saved registers and the stack pointer of the running context in *save_sp and
// resumes the one whose stack pointer is load_sp (System V x86-64).
asm(R"(
    .text
    .globl emu_switch
    .hidden emu_switch
    .type emu_switch, @function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_switch, .-emu_switch
)");

namespace emu {
namespace {

constexpr size_t STACK_BYTES = 128 * 1024;
constexpr int MAX_THREADS_PER_BLOCK = 1024;
constexpr int THREADS_WITHOUT_BOUNDS = 256;
constexpr size_t MAX_SHARED_BYTES = 48 * 1024;

long setting(const char* name, long fallback) {
    const char* v = getenv(name);
    return v && *v ? strtol(v, nullptr, 10) : fallback;
}

// ---- settings, read once ----

enum class Order { FORWARD, REVERSE, RANDOM };
struct Settings {
    Order order = Order::RANDOM;
    uint64_t seed = 0;
    int threads = 1;
    unsigned max_grid_y = 65535;
    size_t memory = size_t(8192) << 20;
    Settings() {
        const char* o = getenv("SAESTITCH_EMU_ORDER");
        std::string s = o ? o : "random";
        if (s == "forward") order = Order::FORWARD;
        else if (s == "reverse") order = Order::REVERSE;
        else {
            seed = s.rfind("random:", 0) == 0 ? strtoull(s.c_str() + 7, nullptr, 10)
                                              : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) % 1000000007u;
            fprintf(stderr, "saestitch emulated CUDA: threads of a block run in random order, seed %llu (SAESTITCH_EMU_ORDER=random:%llu replays it)\n",
                    static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
        }
        threads = static_cast<int>(setting("SAESTITCH_EMU_THREADS", std::max(1u, std::thread::hardware_concurrency())));
        if (threads < 1) threads = 1;
        max_grid_y = static_cast<unsigned>(setting("SAESTITCH_EMU_MAX_GRID_Y", 65535));
        memory = static_cast<size_t>(setting("SAESTITCH_EMU_MEMORY_MB", 8192)) << 20;
    }
};
const Settings& settings() {
    static Settings s;
    return s;
}

thread_local cudaError_t last_error = cudaSuccess;
std::atomic<uint64_t> barriers{0};  // block barriers passed, for tests of what a kernel costs
std::mutex detail_lock;
char detail[1024] = "unspecified launch failure";  // the latest launch failure, for cudaGetErrorString

cudaError_t fail(cudaError_t e, const char* format, ...) {
    char line[900];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    fprintf(stderr, "saestitch emulated CUDA: %s\n", line);
    if (e == cudaErrorLaunchFailure) {
        std::lock_guard<std::mutex> g(detail_lock);
        snprintf(detail, sizeof detail, "unspecified launch failure (emulated device: %s)", line);
    }
    last_error = e;
    return e;
}

uint64_t mix(uint64_t x) {  // splitmix64
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// ---- fibers and blocks ----

enum class State { RUNNABLE, BARRIER, WAITING, EXITED };

struct Fiber {
    void* sp = nullptr;
    char* stack = nullptr;
    ThreadView view{};
    int linear = 0, warp = 0, lane = 0;
    State state = State::RUNNABLE;
    uint64_t collectives = 0;
    uint64_t events_seen = 0;  // its warp's events when it last found the collective incomplete
    const char* waiting_in = "";
};

// A warp's exchange. Collectives alternate between two slots by their number's parity: a lane
// arriving at collective c means every lane of the mask has left c - 2 (it could not have
// finished c - 1 otherwise), so c's slot may be reset then. Assumes, as CUDA requires, that the
// lanes of a mask meet at the same collectives.
struct Warp {
    uint64_t events;  // arrivals and exits: a waiting lane is worth resuming only after one
    uint64_t number[2];  // the collective each slot holds
    uint32_t arrived[2];
    uint32_t present, exited;  // lanes the block has; lanes that have returned
    uint64_t value[2][32];
};

struct Launch {
    explicit Launch(const Config& c) : config(c) {}
    Config config;
    const char* where;
    const char* kernel;
    void (*body)(void*);
    void* closure;
    uint64_t number;
    unsigned blocks;
    std::atomic<unsigned> next{0};
    std::atomic<bool> failed{false};
};

struct Block {
    Launch* launch;
    uint3 idx;
    int threads;
    std::vector<Warp> warps;
    uint64_t progress = 0;
    int barrier_or = 0, barrier_or_result = 0;
    bool failed = false;
};

struct Worker {
    std::vector<Fiber> fibers;
    void* scheduler_sp = nullptr;
    Fiber* current = nullptr;
    Block* block = nullptr;
    ~Worker() {
        for (Fiber& f : fibers)
            if (f.stack) munmap(f.stack, STACK_BYTES);
    }
};
thread_local Worker worker __attribute__((tls_model("initial-exec")));  // small: static TLS, no __tls_get_addr per access

[[noreturn]] void fiber_main();

void yield() { emu_switch(&worker.current->sp, worker.scheduler_sp); }

// Reports a broken rule in the running block and leaves the fiber for good.
[[noreturn]] void block_error(const char* format, ...) {
    Fiber* f = worker.current;
    Block* b = worker.block;
    char what[600];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    if (!b->launch->failed.exchange(true))
        fail(cudaErrorLaunchFailure, "%s (in %s), block (%u,%u,%u), thread (%u,%u,%u): %s", b->launch->kernel, b->launch->where, b->idx.x, b->idx.y,
             b->idx.z, f->view.thread_idx.x, f->view.thread_idx.y, f->view.thread_idx.z, what);
    b->failed = true;
    f->state = State::EXITED;
    b->warps[f->warp].exited |= 1u << f->lane;
    b->warps[f->warp].events++;
    emu_switch(&f->sp, worker.scheduler_sp);
    __builtin_unreachable();
}

void fiber_main() {
    Fiber* f = worker.current;
    worker.block->launch->body(worker.block->launch->closure);
    f->state = State::EXITED;
    worker.block->progress++;
    worker.block->warps[f->warp].exited |= 1u << f->lane;
    worker.block->warps[f->warp].events++;
    emu_switch(&f->sp, worker.scheduler_sp);
    __builtin_unreachable();
}

void prepare(Fiber& f) {
    if (!f.stack) {
        void* p = mmap(nullptr, STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "saestitch emulated CUDA: cannot map a fiber stack\n");
            abort();
        }
        f.stack = static_cast<char*>(p);
    }
    // emu_switch pops six registers and returns: to fiber_main, with the stack as after a call.
    auto* top = reinterpret_cast<void**>(f.stack + STACK_BYTES);
    void** sp = top - 8;
    for (int i = 0; i < 6; i++) sp[i] = nullptr;
    sp[6] = reinterpret_cast<void*>(&fiber_main);
    sp[7] = nullptr;
    f.sp = sp;
}

const char* describe_state(const Block& b, const std::vector<Fiber>& fibers, char* out, size_t n) {
    int at_barrier = 0, waiting = 0, exited = 0;
    const Fiber* first_waiting = nullptr;
    for (int i = 0; i < b.threads; i++) {
        const Fiber& f = fibers[i];
        if (f.state == State::BARRIER) at_barrier++;
        else if (f.state == State::EXITED) exited++;
        else if (f.state == State::WAITING) {
            waiting++;
            if (!first_waiting) first_waiting = &f;
        }
    }
    int k = snprintf(out, n, "%d threads at __syncthreads, %d exited, %d waiting in a warp collective", at_barrier, exited, waiting);
    if (first_waiting && k > 0 && static_cast<size_t>(k) < n)
        snprintf(out + k, n - k, " (e.g. lane %d of warp %d in %s)", first_waiting->lane, first_waiting->warp, first_waiting->waiting_in);
    return out;
}

void run_block(Launch& l, unsigned linear_block) {
    const Config& c = l.config;
    Block b;
    b.launch = &l;
    b.idx = uint3{linear_block % c.grid.x, (linear_block / c.grid.x) % c.grid.y, linear_block / (c.grid.x * c.grid.y)};
    b.threads = static_cast<int>(c.block.x * c.block.y * c.block.z);
    b.warps.resize((b.threads + 31) / 32);
    for (size_t i = 0; i < b.warps.size(); i++) {
        b.warps[i] = Warp{};
        int lanes = std::min(32, b.threads - static_cast<int>(i) * 32);
        b.warps[i].present = lanes == 32 ? ~0u : (1u << lanes) - 1;
    }
    if (worker.fibers.size() < static_cast<size_t>(b.threads)) worker.fibers.resize(b.threads);
    worker.block = &b;
    std::vector<int> order(b.threads);
    for (int t = 0; t < b.threads; t++) {
        Fiber& f = worker.fibers[t];
        prepare(f);
        f.linear = t;
        f.warp = t / 32;
        f.lane = t % 32;
        f.state = State::RUNNABLE;
        f.collectives = 0;
        f.view = ThreadView{uint3{t % c.block.x, (t / c.block.x) % c.block.y, t / (c.block.x * c.block.y)}, b.idx, c.block, c.grid};
        order[t] = settings().order == Order::REVERSE ? b.threads - 1 - t : t;
    }
    uint64_t rng = mix(settings().seed ^ mix(l.number) ^ (static_cast<uint64_t>(linear_block) << 20));
    for (;;) {
        if (settings().order == Order::RANDOM)
            for (int i = b.threads - 1; i > 0; i--) {
                rng = mix(rng);
                std::swap(order[i], order[rng % static_cast<uint64_t>(i + 1)]);
            }
        uint64_t before = b.progress;
        for (int t : order) {
            Fiber& f = worker.fibers[t];
            if (f.state != State::RUNNABLE && (f.state != State::WAITING || b.warps[f.warp].events == f.events_seen)) continue;
            worker.current = &f;
            emu_switch(&worker.scheduler_sp, f.sp);
            if (b.failed || l.failed.load(std::memory_order_relaxed)) {
                worker.current = nullptr;
                return;
            }
        }
        worker.current = nullptr;
        int exited = 0, at_barrier = 0;
        for (int t = 0; t < b.threads; t++) {
            State s = worker.fibers[t].state;
            exited += s == State::EXITED;
            at_barrier += s == State::BARRIER;
        }
        if (exited == b.threads) return;
        char state[300];
        if (at_barrier > 0 && at_barrier + exited == b.threads) {
            if (exited > 0) {
                worker.current = &worker.fibers[0];
                for (int t = 0; t < b.threads; t++)
                    if (worker.fibers[t].state == State::BARRIER) worker.current = &worker.fibers[t];
                if (!l.failed.exchange(true))
                    fail(cudaErrorLaunchFailure, "%s (in %s), block (%u,%u,%u): __syncthreads reached by part of the block: %s", l.kernel, l.where,
                         b.idx.x, b.idx.y, b.idx.z, describe_state(b, worker.fibers, state, sizeof state));
                return;
            }
            for (int t = 0; t < b.threads; t++) worker.fibers[t].state = State::RUNNABLE;
            barriers.fetch_add(1, std::memory_order_relaxed);
            b.barrier_or_result = b.barrier_or;
            b.barrier_or = 0;
            b.progress++;
            continue;
        }
        if (b.progress == before) {
            if (!l.failed.exchange(true))
                fail(cudaErrorLaunchFailure, "%s (in %s), block (%u,%u,%u): deadlock: %s", l.kernel, l.where, b.idx.x, b.idx.y, b.idx.z,
                     describe_state(b, worker.fibers, state, sizeof state));
            return;
        }
    }
}

void run_blocks(Launch& l) {
    for (unsigned i; !l.failed.load(std::memory_order_relaxed) && (i = l.next.fetch_add(1)) < l.blocks;) run_block(l, i);
}

// ---- the pool of OS threads that run blocks ----

class Pool {
  public:
    explicit Pool(int helpers) {
        for (int i = 0; i < helpers; i++) threads_.emplace_back([this] { serve(); });
    }
    ~Pool() {
        {
            std::lock_guard<std::mutex> g(lock_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& t : threads_) t.join();
    }
    // Runs the launch's blocks on the helpers and the calling thread; returns when all are done.
    void run(Launch& l) {
        size_t helpers = std::min(threads_.size(), static_cast<size_t>(l.blocks) - 1);
        {
            std::lock_guard<std::mutex> g(lock_);
            job_ = &l;
            wanted_ = helpers;
            busy_ = 0;
            generation_++;
        }
        if (helpers > 0) wake_.notify_all();
        run_blocks(l);
        std::unique_lock<std::mutex> g(lock_);
        wanted_ = 0;  // helpers that have not started yet have nothing left to do
        done_.wait(g, [this] { return busy_ == 0; });
        job_ = nullptr;
    }

  private:
    void serve() {
        uint64_t seen = 0;
        std::unique_lock<std::mutex> g(lock_);
        for (;;) {
            wake_.wait(g, [&] { return stop_ || (generation_ != seen && wanted_ > 0); });
            if (stop_) return;
            seen = generation_;
            wanted_--;
            busy_++;
            Launch* l = job_;
            g.unlock();
            run_blocks(*l);
            g.lock();
            if (--busy_ == 0) done_.notify_all();
        }
    }
    std::vector<std::thread> threads_;
    std::mutex lock_;
    std::condition_variable wake_, done_;
    Launch* job_ = nullptr;
    size_t wanted_ = 0, busy_ = 0;
    uint64_t generation_ = 0;
    bool stop_ = false;
};

Pool& pool() {
    static Pool p(settings().threads - 1);
    return p;
}

std::mutex launch_lock;  // one launch at a time: the device runs one stream in order
std::atomic<uint64_t> launches{0};

// ---- memory ----

std::mutex memory_lock;
std::map<uintptr_t, size_t> allocations;
size_t allocated = 0;
std::set<cudaStream_t> streams;

bool is_device_range(const void* p, size_t bytes) {
    std::lock_guard<std::mutex> g(memory_lock);
    auto u = reinterpret_cast<uintptr_t>(p);
    auto it = allocations.upper_bound(u);
    if (it == allocations.begin()) return false;
    --it;
    return u >= it->first && u - it->first <= it->second && bytes <= it->second - (u - it->first);
}

bool known_stream(cudaStream_t s) {
    if (s == nullptr) return true;
    std::lock_guard<std::mutex> g(memory_lock);
    return streams.count(s) > 0;
}

// ---- uploads ----

// A host-to-device copy reads the host memory late: when the device next does anything (a copy,
// a launch, a synchronize), as a copy engine reading pinned host memory may until the stream has
// passed the copy. A caller that reuses the host memory before then uploads what is there at that
// time; one that released it (unmapped) gets garbage and a line on stderr.
struct Upload {
    void* dst;
    const void* src;
    size_t bytes;
};
std::mutex upload_lock;
std::vector<Upload> uploads;

void complete_uploads() {
    std::vector<Upload> due;
    {
        std::lock_guard<std::mutex> g(upload_lock);
        due.swap(uploads);
    }
    for (const Upload& u : due) {
        // process_vm_readv on this process: a released page gives EFAULT where memcpy would crash.
        iovec local{u.dst, u.bytes}, remote{const_cast<void*>(u.src), u.bytes};
        if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(u.bytes)) continue;
        if (errno == EFAULT) {
            memset(u.dst, 0xff, u.bytes);
            fprintf(stderr, "saestitch emulated CUDA: the host memory of an upload (%zu bytes from %p) was released before the stream passed the copy\n",
                    u.bytes, u.src);
        } else {
            memcpy(u.dst, u.src, u.bytes);  // no process_vm_readv here (a sandbox): read it directly
        }
    }
}

}  // namespace

ThreadView& view() { return worker.current->view; }

int lane_id() { return worker.current->lane; }

void syncthreads() {
    Fiber* f = worker.current;
    f->state = State::BARRIER;
    worker.block->progress++;
    yield();
}

int syncthreads_or(int predicate) {
    worker.block->barrier_or |= predicate != 0;
    syncthreads();
    return worker.block->barrier_or_result;
}

namespace {

// The running lane's next collective: deposits its value and waits until every lane of the mask
// has deposited one for the same collective. Returns the collective's number.
uint64_t arrive(unsigned mask, uint64_t value, const char* what) {
    Fiber* f = worker.current;
    Block* b = worker.block;
    Warp& w = b->warps[f->warp];
    if (!(mask >> f->lane & 1u)) block_error("%s with mask 0x%08x, which does not name the calling lane %d", what, mask, f->lane);
    uint64_t c = ++f->collectives;
    int slot = c & 1;
    if (w.number[slot] != c) {
        w.number[slot] = c;
        w.arrived[slot] = 0;
    }
    w.value[slot][f->lane] = value;
    w.arrived[slot] |= 1u << f->lane;
    w.events++;
    b->progress++;
    for (;;) {
        uint32_t missing = mask & ~w.arrived[slot];
        if (!missing) return c;
        if (uint32_t absent = missing & ~w.present)
            block_error("%s with mask 0x%08x names lane %d, which the block (%d threads) does not have", what, mask, __builtin_ctz(absent), b->threads);
        if (uint32_t gone = missing & w.exited) block_error("%s with mask 0x%08x names lane %d, which has exited", what, mask, __builtin_ctz(gone));
        f->state = State::WAITING;
        f->events_seen = w.events;
        f->waiting_in = what;
        yield();
        f->state = State::RUNNABLE;
    }
}

}  // namespace

uint64_t warp_exchange(unsigned mask, uint64_t value, int source_lane, const char* what) {
    if (!(mask >> source_lane & 1u)) block_error("%s reads lane %d, which its mask 0x%08x does not name", what, source_lane, mask);
    uint64_t c = arrive(mask, value, what);
    return worker.block->warps[worker.current->warp].value[c & 1][source_lane];
}

unsigned warp_ballot(unsigned mask, int predicate) {
    uint64_t c = arrive(mask, predicate != 0, "__ballot_sync");
    const Warp& w = worker.block->warps[worker.current->warp];
    unsigned out = 0;
    for (int l = 0; l < 32; l++)
        if (mask >> l & 1u && w.value[c & 1][l]) out |= 1u << l;
    return out;
}

void run(const Config& c, int bounds, const char* where, const char* kernel, void (*body)(void*), void* closure) {
    const Settings& s = settings();
    uint64_t threads = static_cast<uint64_t>(c.block.x) * c.block.y * c.block.z;
    if (c.block.x == 0 || c.block.y == 0 || c.block.z == 0 || c.block.x > 1024 || c.block.y > 1024 || c.block.z > 64 || threads > MAX_THREADS_PER_BLOCK) {
        fail(cudaErrorInvalidConfiguration, "%s (in %s): invalid block (%u,%u,%u)", kernel, where, c.block.x, c.block.y, c.block.z);
        return;
    }
    if (c.grid.x == 0 || c.grid.y == 0 || c.grid.z == 0 || c.grid.x > 0x7fffffffu || c.grid.y > s.max_grid_y || c.grid.z > s.max_grid_y) {
        fail(cudaErrorInvalidConfiguration, "%s (in %s): invalid grid (%u,%u,%u); gridDim.y and .z are at most %u here", kernel, where, c.grid.x,
             c.grid.y, c.grid.z, s.max_grid_y);
        return;
    }
    if (c.shared > MAX_SHARED_BYTES) {
        fail(cudaErrorInvalidValue, "%s (in %s): %zu bytes of dynamic shared memory, over %zu", kernel, where, c.shared, MAX_SHARED_BYTES);
        return;
    }
    if (threads > THREADS_WITHOUT_BOUNDS && static_cast<uint64_t>(bounds) < threads) {
        fail(cudaErrorLaunchOutOfResources,
             "%s (in %s): a block of %llu threads needs __launch_bounds__(%llu) or more on the kernel (nvcc may otherwise give each thread more"
             " registers than such a block can have)", kernel, where, static_cast<unsigned long long>(threads), static_cast<unsigned long long>(threads));
        return;
    }
    if (!known_stream(c.stream)) {
        fail(cudaErrorInvalidResourceHandle, "%s (in %s): unknown stream %p", kernel, where, static_cast<void*>(c.stream));
        return;
    }
    complete_uploads();
    std::lock_guard<std::mutex> g(launch_lock);
    Launch l(c);
    l.where = where;
    l.kernel = kernel;
    l.body = body;
    l.closure = closure;
    l.number = launches.fetch_add(1);
    l.blocks = c.grid.x * c.grid.y * c.grid.z;
    pool().run(l);
}

}  // namespace emu

// ================================================================ the runtime API

using emu::fail;

extern "C" {

__attribute__((visibility("default"))) int saestitch_emu_is_device_range(const void* p, size_t bytes) { return emu::is_device_range(p, bytes); }
__attribute__((visibility("default"))) int saestitch_emu_known_stream(cudaStream_t s) { return emu::known_stream(s); }
__attribute__((visibility("default"))) void saestitch_emu_complete_uploads() { emu::complete_uploads(); }
// Block barriers (__syncthreads) passed since the process started: tests bound a kernel's count.
__attribute__((visibility("default"))) uint64_t saestitch_emu_barriers() { return emu::barriers.load(); }

cudaError_t cudaGetLastError(void) {
    cudaError_t e = emu::last_error;
    emu::last_error = cudaSuccess;
    return e;
}

cudaError_t cudaGetDeviceCount(int* count) {
    *count = 1;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : fail(cudaErrorInvalidDevice, "cudaSetDevice(%d): the only device is 0", device); }

cudaError_t cudaGetDevice(int* device) {
    *device = 0;
    return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device) {
    if (device != 0) return fail(cudaErrorInvalidDevice, "cudaDeviceGetAttribute: no device %d", device);
    switch (attribute) {
        case cudaDevAttrMaxThreadsPerBlock: *value = emu::MAX_THREADS_PER_BLOCK; break;
        case cudaDevAttrMaxBlockDimX: case cudaDevAttrMaxBlockDimY: *value = 1024; break;
        case cudaDevAttrMaxBlockDimZ: *value = 64; break;
        case cudaDevAttrMaxGridDimX: *value = 0x7fffffff; break;
        case cudaDevAttrMaxGridDimY: case cudaDevAttrMaxGridDimZ: *value = static_cast<int>(emu::settings().max_grid_y); break;
        case cudaDevAttrMaxSharedMemoryPerBlock: *value = static_cast<int>(emu::MAX_SHARED_BYTES); break;
        case cudaDevAttrWarpSize: *value = 32; break;
        case cudaDevAttrMultiProcessorCount: *value = emu::settings().threads; break;
        case cudaDevAttrComputeCapabilityMajor: *value = 8; break;
        case cudaDevAttrComputeCapabilityMinor: *value = 0; break;
        default: return fail(cudaErrorInvalidValue, "cudaDeviceGetAttribute: attribute %d is not emulated", static_cast<int>(attribute));
    }
    return cudaSuccess;
}

// Only the name (char[256] at offset 0) is filled in: it is all the engine reads.
cudaError_t cudaGetDeviceProperties(void* properties, int device) {
    if (device != 0) return fail(cudaErrorInvalidDevice, "cudaGetDeviceProperties: no device %d", device);
    snprintf(static_cast<char*>(properties), 256, "saestitch emulated CUDA device (%d CPU threads)", emu::settings().threads);
    return cudaSuccess;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
    *p = nullptr;
    if (bytes == 0) return cudaSuccess;
    size_t rounded = (bytes + 255) / 256 * 256;
    std::lock_guard<std::mutex> g(emu::memory_lock);
    if (rounded > emu::settings().memory - emu::allocated)
        return fail(cudaErrorMemoryAllocation, "cudaMalloc(%zu bytes): out of memory (%zu of %zu bytes in use; SAESTITCH_EMU_MEMORY_MB sets the size)", bytes,
                    emu::allocated, emu::settings().memory);
    // A mapping of its own between two inaccessible pages, the allocation's end against the second:
    // a kernel that reads or writes past an end (or before a start) faults there, naming its frame,
    // instead of corrupting what lies next to it on the heap.
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE)), span = (rounded + page - 1) / page * page + 2 * page;
    void* base = mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return fail(cudaErrorMemoryAllocation, "cudaMalloc(%zu bytes): the host has no memory for it", bytes);
    char* end = static_cast<char*>(base) + span - page;
    mprotect(static_cast<char*>(base) + page, span - 2 * page, PROT_READ | PROT_WRITE);
    void* m = end - rounded;
    memset(m, 0xff, rounded);  // garbage, as device memory is: NaN as floats, -1 as ints
    emu::allocations[reinterpret_cast<uintptr_t>(m)] = bytes;
    emu::allocated += rounded;
    *p = m;
    return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
    emu::complete_uploads();  // cudaFree waits for the device
    if (!p) return cudaSuccess;
    std::lock_guard<std::mutex> g(emu::memory_lock);
    auto it = emu::allocations.find(reinterpret_cast<uintptr_t>(p));
    if (it == emu::allocations.end()) return fail(cudaErrorInvalidValue, "cudaFree(%p): not an allocation of this device", p);
    size_t rounded = (it->second + 255) / 256 * 256, page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t span = (rounded + page - 1) / page * page + 2 * page;
    emu::allocated -= rounded;
    emu::allocations.erase(it);
    munmap(static_cast<char*>(p) + rounded + page - span, span);
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total) {
    std::lock_guard<std::mutex> g(emu::memory_lock);
    *total = emu::settings().memory;
    *free_bytes = *total - emu::allocated;
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
    if (!emu::known_stream(stream)) return fail(cudaErrorInvalidResourceHandle, "cudaMemcpyAsync: unknown stream %p", static_cast<void*>(stream));
    emu::complete_uploads();
    if (bytes == 0) return cudaSuccess;
    bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    if (kind == cudaMemcpyDefault) {
        src_device = emu::is_device_range(src, 1);
        dst_device = emu::is_device_range(dst, 1);
    } else if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault) {
        return fail(cudaErrorInvalidMemcpyDirection, "cudaMemcpyAsync: kind %d", static_cast<int>(kind));
    }
    if (src_device && !emu::is_device_range(src, bytes))
        return fail(cudaErrorInvalidValue, "cudaMemcpyAsync(kind %d, %zu bytes): the source %p is not that many bytes of one allocation", static_cast<int>(kind),
                    bytes, src);
    if (dst_device && !emu::is_device_range(dst, bytes))
        return fail(cudaErrorInvalidValue, "cudaMemcpyAsync(kind %d, %zu bytes): the destination %p is not that many bytes of one allocation",
                    static_cast<int>(kind), bytes, dst);
    if (dst_device && !src_device) {
        std::lock_guard<std::mutex> g(emu::upload_lock);
        emu::uploads.push_back(emu::Upload{dst, src, bytes});
        return cudaSuccess;
    }
    memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t stream) {
    if (!emu::known_stream(stream)) return fail(cudaErrorInvalidResourceHandle, "cudaMemsetAsync: unknown stream %p", static_cast<void*>(stream));
    emu::complete_uploads();
    if (bytes == 0) return cudaSuccess;
    if (!emu::is_device_range(dst, bytes))
        return fail(cudaErrorInvalidValue, "cudaMemsetAsync(%zu bytes): %p is not that many bytes of one allocation", bytes, dst);
    memset(dst, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
    auto* s = reinterpret_cast<cudaStream_t>(new char[1]);
    std::lock_guard<std::mutex> g(emu::memory_lock);
    emu::streams.insert(s);
    *stream = s;
    return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
    emu::complete_uploads();
    std::lock_guard<std::mutex> g(emu::memory_lock);
    if (!emu::streams.erase(stream)) {
        emu::last_error = cudaErrorInvalidResourceHandle;
        return cudaErrorInvalidResourceHandle;
    }
    delete[] reinterpret_cast<char*>(stream);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
    emu::complete_uploads();
    return emu::known_stream(stream) ? cudaSuccess : fail(cudaErrorInvalidResourceHandle, "cudaStreamSynchronize: unknown stream %p", static_cast<void*>(stream));
}

cudaError_t cudaRuntimeGetVersion(int* v) {
    *v = 13000;
    return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* v) {
    *v = 13000;
    return cudaSuccess;
}

const char* cudaGetErrorName(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "cudaSuccess";
        case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
        case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
        case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
        case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
        case cudaErrorNoDevice: return "cudaErrorNoDevice";
        case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
        case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
        case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
        case cudaErrorLaunchOutOfResources: return "cudaErrorLaunchOutOfResources";
        case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    }
    return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInvalidConfiguration: return "invalid configuration argument";
        case cudaErrorInvalidDevicePointer: return "invalid device pointer";
        case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
        case cudaErrorNoDevice: return "no CUDA-capable device is detected";
        case cudaErrorInvalidDevice: return "invalid device ordinal";
        case cudaErrorInvalidResourceHandle: return "invalid resource handle";
        case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
        case cudaErrorLaunchOutOfResources: return "too many resources requested for launch";
        case cudaErrorLaunchFailure: {
            std::lock_guard<std::mutex> g(emu::detail_lock);
            return emu::detail;
        }
    }
    return "unknown error";
}

}  // extern "C"
