// A fixed set of threads running tasks from one queue, oldest first: the front end's complete
// requests (bounded: a full queue is answered 503 by the caller) and WebSocket turns (not bounded
// by the queue limit: each connection has at most one turn queued). So that live editors can
// never occupy every thread, at most `threads - reserve` turns run at once; and while fewer than
// `reserve` requests run, a waiting request goes before older turns (a fresh request never
// queues behind a backlog of turns that do not wait, e.g. 1,000 editors' messages after a
// stall). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace sendflow::web {

class WorkerPool {
 public:
  using Task = std::function<void()>;

  // reserve: threads kept for requests (at least 1 when threads > 1; a quarter by default).
  WorkerPool(int threads, std::size_t maxQueued, int reserve = -1);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a request; false (and nothing queued) when maxQueued requests already wait.
  bool trySubmit(Task task);
  // Queues a WebSocket turn whatever the queue holds (it runs within the turns' share).
  void submit(Task task);
  // Runs every task already queued (and any they queue), then joins the threads. Idempotent.
  void stop();

 private:
  void run();

  // The next task this thread may run: the older of the first request and the first turn, a
  // turn only while fewer than maxTurns_ run. REQUIRES: mutex_ held.
  bool canRun() const;

  struct Queued {
    Task task;
    std::uint64_t order = 0;
  };
  const std::size_t maxQueued_;
  std::size_t maxTurns_ = 1;
  std::size_t reserve_ = 0;  // requests that go before older turns while fewer run
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Queued> requests_;  // from trySubmit
  std::deque<Queued> turns_;     // from submit
  std::uint64_t nextOrder_ = 0;
  std::size_t turnsRunning_ = 0;
  std::size_t requestsRunning_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sendflow::web
