// A fixed set of threads running tasks from one queue: the front end's complete requests
// (bounded: a full queue is answered 503 by the caller) and WebSocket turns (not bounded by the
// queue limit: each connection has at most one turn queued). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
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

  WorkerPool(int threads, std::size_t maxQueued);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a request; false (and nothing queued) when maxQueued requests already wait.
  bool trySubmit(Task task);
  // Queues a task whatever the queue holds.
  void submit(Task task);
  // Runs every task already queued (and any they queue), then joins the threads. Idempotent.
  void stop();

 private:
  void run();

  const std::size_t maxQueued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<Task, bool>> tasks_;  // (task, from trySubmit)
  std::size_t bounded_ = 0;                  // tasks from trySubmit still queued
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sendflow::web
