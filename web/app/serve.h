#pragma once
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sendflow/engine/core/clock.h"

namespace sendflow::web {
class App;

// `sendflow serve`: settings come from sendflow.properties and SENDFLOW_*, not arguments.
int serve();

// Periodic work inside `serve`: expired sessions, plans reaching their review date, signing
// reminders, review reminders, the outbox, and once a day the records past their retention.
// Runs once at start, then every interval; stops promptly when destroyed.
class Scheduler {
 public:
  explicit Scheduler(App& app);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

 private:
  void loop();
  void tick();
  App& app_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  engine::Date retentionCheckedOn_{};  // the day the retention check last ran (loop thread only)
  std::thread thread_;
};
}  // namespace sendflow::web
