#include "live/live_socket.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/NetException.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <chrono>
#include <functional>
#include <sstream>

#include "app/services.h"
#include "http/websocket.h"
#include "i18n/translations.h"
#include "pages/contact_language.h"

namespace sendflow::web {
namespace {

constexpr std::size_t kMaxMessageBytes = 64 * 1024;
constexpr auto kFlushEvery = std::chrono::milliseconds(500);

// The live protocol's wire format: each message a JSON object in one WebSocket text frame.
std::string messageText(const engine::LiveMessage& message) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(message, out);
  return out.str();
}

// The message a text frame holds; nullptr when it is not a JSON object (the session answers
// "malformed").
engine::LiveMessage::Ptr parseMessage(const std::string& text) {
  try {
    Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(text);
    if (parsed.type() == typeid(engine::LiveMessage::Ptr))
      return parsed.extract<engine::LiveMessage::Ptr>();
  } catch (const std::exception&) {
  }
  return nullptr;
}

// Browsers always send Origin on a WebSocket handshake and the cookie rides along from any
// site: refuse a foreign origin (cross-site WebSocket hijacking).
bool sameOrigin(const Poco::Net::HTTPServerRequest& req) {
  if (!req.has("Origin")) return true;  // not a browser
  try {
    Poco::URI origin(req.get("Origin"));
    std::string host = origin.getHost();
    if (origin.getPort() != 0) host += ":" + std::to_string(origin.getPort());
    const std::string expected = req.getHost();
    return host == expected || origin.getHost() == expected;
  } catch (const Poco::Exception&) {
    return false;
  }
}

// One editor's connection to the plan's live session. The front end calls it on its workers,
// one call at a time; the session's answers go out through the channel without blocking.
// `stillAllowed` says whether the session or link that opened the socket still holds (not signed
// out, ended by a password change, expired or withdrawn); asked again once `recheck` has passed
// on the clock's monotonic time.
class LiveSocket : public WebSocketHandler {
 public:
  LiveSocket(std::shared_ptr<engine::LiveSession> live, engine::LiveEditor editor,
             std::function<bool()> stillAllowed, const engine::Clock& clock,
             std::chrono::milliseconds recheck)
      : live_(std::move(live)),
        editor_(std::move(editor)),
        stillAllowed_(std::move(stillAllowed)),
        clock_(clock),
        recheck_(recheck),
        checkedAt_(clock.monotonic()) {}

  void opened(const std::shared_ptr<WebSocketChannel>& channel) override {
    channel_ = channel;
    conn_ = live_->join(std::move(editor_), [channel](const engine::LiveMessage& message) {
      channel->sendText(messageText(message));
    });
    joined_ = true;
  }
  void received(const std::string& text) override {
    if (!joined_) return;
    const auto now = clock_.monotonic();
    if (now - checkedAt_ >= recheck_) {
      checkedAt_ = now;
      if (!stillAllowed_()) {
        auto channel = channel_.lock();  // before leaving: the live session holds the last copy
        live_->leave(conn_);
        joined_ = false;
        if (channel) channel->close(1008);  // policy violation: signed out
        return;
      }
    }
    live_->receive(conn_, parseMessage(text));
  }
  void closed() override {
    if (joined_) live_->leave(conn_);
    joined_ = false;
    live_.reset();
  }

 private:
  std::shared_ptr<engine::LiveSession> live_;
  engine::LiveEditor editor_;
  std::function<bool()> stillAllowed_;
  const engine::Clock& clock_;
  const std::chrono::milliseconds recheck_;
  engine::MonoTime checkedAt_;
  std::weak_ptr<WebSocketChannel> channel_;
  engine::LiveSession::ConnId conn_ = 0;
  bool joined_ = false;
};

// Switches the request to a WebSocket joined to the plan's live session (see docs/live.md).
// `read` is the audited read of the plan the socket's first snapshot shows, made once the
// handshake is known to be one (an error ends the request).
void serveSocket(Exchange& ex, engine::LiveEditor editor, engine::Id planId,
                 std::function<bool()> stillAllowed, const std::function<engine::Status()>& read) {
  if (!sameOrigin(ex.request))
    return ex.error(403, "Live editing is only open to sendflow's own pages.");
  if (Poco::icompare(ex.request.get("Upgrade", ""), "websocket") != 0) {
    return ex.error(400, "This address speaks WebSocket only.");
  }
  if (auto st = read(); !st) return ex.error(st.error());
  auto live = ex.services.live().session(planId);
  if (!live) return ex.error(503, "Live editing is not available just now; the form still saves.");
  WebSocketOptions options;
  options.maxMessageBytes = kMaxMessageBytes;
  options.tooBigText =
      R"({"type":"error","code":"too_big","message":"A message may be at most 64 KiB."})";
  acceptWebSocket(
      ex,
      std::make_shared<LiveSocket>(std::move(live), std::move(editor), std::move(stillAllowed),
                                   ex.services.clock(), ex.services.settings().live.recheck),
      options);
}

// Why a fold failed, for the log: the message and the fields named, never their values.
std::string why(const engine::Error& e) {
  std::string out = e.message;
  for (const auto& f : e.fields) out += " [" + f.field + "]";
  return out;
}

void staffSocket(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no plan at this address.");
  auto view = ex.services.plans().open(ex.actor(), *id);  // the actor may see this plan
  if (!view) return ex.error(view.error());
  Services& app = ex.services;
  serveSocket(
      ex, engine::staffEditor(ex.services.plans(), ex.actor(), *id), *id,
      [&app, token = ex.sessionToken] { return app.auth().resume(token).ok(); },
      [&]() -> engine::Status {
        if (auto v = app.reads().plan(ex.actor(), engine::Door::kLive, *id); !v) return v.error();
        return engine::Ok{};
      });
}

void contributorSocket(Exchange& ex) {
  const std::string token = ex.params["token"];
  speakTo(ex, ex.services.contributions().linkLanguage(token));  // as their page does
  auto c = ex.services.contributions().open(token);
  if (!c) return ex.error(c.error());
  auto editor = ex.services.contributions().liveEditor(token, c.value());
  // What the session tells them (why they cannot edit, an error) in their page's language.
  editor.words = [&translations = ex.services.translations(), language = ex.language](
                     const engine::Text& t) { return translations.text(language, t); };
  // The contributor's editor re-checks its link itself (engine, every live.recheck_ms) and
  // answers "read_only" with the reason once it has expired or been withdrawn.
  serveSocket(
      ex, std::move(editor), c->plan.plan.id, [] { return true; },
      [&]() -> engine::Status {
        if (auto read = ex.services.contributions().open(token, ex.clientIp()); !read)
          return read.error();
        return engine::Ok{};
      });
}

}  // namespace

LiveHub::LiveHub(Services& services, engine::LiveLog& log) : app_(services), log_(log) {
  flusher_ = std::thread([this] { run(); });
}

LiveHub::~LiveHub() {
  app_.plans().setPendingEdits(nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  flusher_.join();
  for (auto& [id, s] : sessions_) {
    try {
      if (auto st = s->flush(true); !st)
        app_.log().warning("live: plan %s keeps live edits not folded into a version: %s",
                           std::to_string(id), why(st.error()));
    } catch (const std::exception& e) {
      app_.log().error("live: folding plan %s at shutdown failed: %s", std::to_string(id),
                       std::string(e.what()));
    }
  }
}

std::shared_ptr<engine::LiveSession> LiveHub::session(engine::Id planId) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(planId);
  if (it != sessions_.end() && !it->second->broken()) return it->second;
  if (it != sessions_.end()) {  // broken: its operations still queued settle before reopening
    log_.settle();
    logFailure(*it->second);
  }
  auto s =
      engine::LiveSession::open(planId, app_.plans(), log_, app_.clock(), app_.settings().live);
  if (!s) return nullptr;
  sessions_[planId] = s.value();
  return s.value();
}

void LiveHub::logFailure(engine::LiveSession& s) {
  if (auto failure = s.takeFailure())
    app_.log().error(
        "live: plan %s: an edit could not be saved (%s); its editors were told to "
        "reload",
        std::to_string(s.planId()), *failure);
}

std::size_t LiveHub::sessionCount() {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

engine::Status LiveHub::fold(engine::Id planId) {
  std::shared_ptr<engine::LiveSession> s;
  {
    std::lock_guard lock(mutex_);
    if (auto it = sessions_.find(planId); it != sessions_.end()) s = it->second;
  }
  if (!s) {
    auto rec = app_.plans().record(planId);
    if (!rec || log_.since(planId, rec->currentVersion).empty()) return engine::Ok{};
    s = session(planId);  // acknowledged before a restart, not folded yet
  }
  return s ? s->flush(true) : engine::Status(engine::Ok{});
}

void LiveHub::run() {
  // Edits acknowledged before a crash become a version now, not when someone next opens the plan.
  for (engine::Id id : log_.unfolded()) {
    try {
      if (auto st = fold(id); !st)
        app_.log().warning("live: plan %s keeps live edits not folded into a version: %s",
                           std::to_string(id), why(st.error()));
    } catch (const std::exception& e) {
      app_.log().error("live: folding plan %s after a restart failed: %s", std::to_string(id),
                       std::string(e.what()));
    }
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    stop_.wait_for(lock, kFlushEvery, [&] { return stopping_; });
    if (stopping_) break;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      logFailure(*it->second);
      try {
        it->second->catchUp();
        it->second->flush(false);
      } catch (const std::exception& e) {
        app_.log().error("live: flush of plan %s failed: %s", std::to_string(it->first),
                         std::string(e.what()));
      }
      // Nobody holds it but us, nobody connected, nothing pending: let it go.
      if (it->second.use_count() == 1 && it->second->idle()) {
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void registerLiveRoutes(Router& router) {
  router.add("GET", "/plans/{id}/live", engine::Action::kViewPlan, staffSocket);
  router.add("GET", "/c/{token}/live", Access::kPublic, contributorSocket);
}

}  // namespace sendflow::web
