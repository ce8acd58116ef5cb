#pragma once
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sendflow::web {
class App;

// `sendflow serve`: settings come from sendflow.properties and SENDFLOW_*, not arguments.
int serve();

// Periodic work inside `serve`: expired sessions, plans reaching their review date, signing
// reminders, review reminders and the outbox.
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
  std::thread thread_;
};
}  // namespace sendflow::web
