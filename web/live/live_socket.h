// The live-editing channel: GET /plans/{id}/live upgraded to a WebSocket (see docs/live.md).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "sendflow/engine/live/live.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::web {

class Router;
class Services;

// One LiveSession per plan with a connection, and the background flush that folds quiet
// sessions into plan versions; the plan service asks it to fold before a transition.
// Thread-safe.
class LiveHub : public engine::PendingEdits {
 public:
  LiveHub(Services& services, engine::LiveLog& log);
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // The plan's session (opened when nobody has it open). The caller has checked that the
  // editor may see the plan.
  std::shared_ptr<engine::LiveSession> session(engine::Id planId);
  // Folds the plan's pending live edits into a version now (before a transition reads it).
  engine::Status fold(engine::Id planId) override;
  // Plans with a live session open now (/metrics).
  std::size_t sessionCount();

 private:
  void run();
  void logFailure(engine::LiveSession& s);  // why a session broke, once

  Services& app_;
  engine::LiveLog& log_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::map<engine::Id, std::shared_ptr<engine::LiveSession>> sessions_;
  std::thread flusher_;
};

void registerLiveRoutes(Router& router);

}  // namespace sendflow::web
