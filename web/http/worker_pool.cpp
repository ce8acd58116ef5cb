#include "http/worker_pool.h"

namespace sendflow::web {

WorkerPool::WorkerPool(int threads, std::size_t maxQueued) : maxQueued_(maxQueued) {
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::trySubmit(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (bounded_ >= maxQueued_) return false;
    ++bounded_;
    tasks_.emplace_back(std::move(task), true);
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::submit(Task task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.emplace_back(std::move(task), false);
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

void WorkerPool::run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front().first);
      if (tasks_.front().second) --bounded_;
      tasks_.pop_front();
    }
    task();  // REQUIRES: does not throw (the request pipeline has its own boundary)
  }
}

}  // namespace sendflow::web
