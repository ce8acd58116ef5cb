#include "http/worker_pool.h"

#include <algorithm>

namespace sendflow::web {

WorkerPool::WorkerPool(int threads, std::size_t maxQueued, int reserve) : maxQueued_(maxQueued) {
  if (reserve < 0) reserve = threads > 1 ? std::max(1, threads / 4) : 0;
  maxTurns_ = static_cast<std::size_t>(std::max(1, threads - reserve));
  reserve_ = static_cast<std::size_t>(std::max(0, reserve));
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::trySubmit(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (requests_.size() >= maxQueued_) return false;
    requests_.push_back({std::move(task), nextOrder_++});
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::submit(Task task) {
  {
    std::lock_guard lock(mutex_);
    turns_.push_back({std::move(task), nextOrder_++});
  }
  ready_.notify_one();
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

bool WorkerPool::canRun() const {
  return !requests_.empty() || (!turns_.empty() && turnsRunning_ < maxTurns_);
}

void WorkerPool::run() {
  for (;;) {
    Task task;
    bool turn = false;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(
          lock, [this] { return canRun() || (stopping_ && requests_.empty() && turns_.empty()); });
      if (!canRun()) return;  // stopping, and nothing left to run
      turn = !turns_.empty() && turnsRunning_ < maxTurns_ &&
             (requests_.empty() ||
              (requestsRunning_ >= reserve_ && turns_.front().order < requests_.front().order));
      auto& queue = turn ? turns_ : requests_;
      task = std::move(queue.front().task);
      queue.pop_front();
      ++(turn ? turnsRunning_ : requestsRunning_);
    }
    task();  // REQUIRES: does not throw (the request pipeline has its own boundary)
    {
      std::lock_guard lock(mutex_);
      --(turn ? turnsRunning_ : requestsRunning_);
    }
    if (turn) ready_.notify_one();  // a turn held back by the cap may run now
  }
}

}  // namespace sendflow::web
