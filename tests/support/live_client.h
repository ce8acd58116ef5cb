// A live-editing client speaking the same protocol as web/static/live.js, over a real WebSocket
// (tests only).
#pragma once

#include <Poco/Buffer.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/live/ot.h"
#include "support/demo.h"

namespace sendflow::testing {

namespace ot = sendflow::engine::ot;
using Poco::JSON::Object;
using Poco::Net::WebSocket;

inline constexpr int kPong =
    static_cast<int>(WebSocket::FRAME_FLAG_FIN) | static_cast<int>(WebSocket::FRAME_OP_PONG);

// A live-editing client speaking the same protocol as web/static/live.js.
class LiveClient {
 public:
  LiveClient(std::string clientId, std::map<std::string, std::string> cookies)
      : clientId_(std::move(clientId)), cookies_(std::move(cookies)) {}

  // Connects; on a reconnect asks for the operations since the last acknowledged revision.
  // A contributor connects through their link: `path` "/c/<token>/live".
  bool connect(int port, sendflow::engine::Id planId, int* status = nullptr,
               const std::string& path = "") {
    session_ = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1",
                                                              static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET,
                               path.empty() ? "/plans/" + std::to_string(planId) + "/live" : path,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::NameValueCollection c;
    for (auto& [k, v] : cookies_) c.add(k, v);
    req.setCookies(c);
    Poco::Net::HTTPResponse res;
    try {
      ws_ = std::make_unique<WebSocket>(*session_, req, res);
    } catch (const Poco::Exception&) {
      if (status) *status = static_cast<int>(res.getStatus());
      return false;
    }
    ws_->setReceiveTimeout(Poco::Timespan(0, 20000));
    const bool resuming = everConnected_;
    everConnected_ = true;
    send(R"({"type":"hello","client":")" + clientId_ + "\"}");
    if (resuming) {
      waitingResume_ = true;
      skipSnapshots_ = 1;  // the one every connection starts with; ours are the ops since
      send(R"({"type":"resume","revision":)" + std::to_string(revision_) + "}");
    }
    return true;
  }

  void drop() {
    if (ws_) {
      try {
        ws_->close();
      } catch (...) {
      }
    }
    ws_.reset();
    session_.reset();
  }

  bool connected() const { return ws_ != nullptr; }

  void send(const std::string& frame) {
    if (!ws_) return;
    try {
      ws_->sendFrame(frame.data(), static_cast<int>(frame.size()));
    } catch (const Poco::Exception&) {
      drop();
    }
  }

  // Reads every frame waiting (up to `rounds` short timeouts in a row).
  void pump(int rounds = 1) {
    int quiet = 0;
    while (ws_ && quiet < rounds) {
      Poco::Buffer<char> buf(0);
      int flags = 0;
      int n = 0;
      try {
        n = ws_->receiveFrame(buf, flags);
      } catch (const Poco::TimeoutException&) {
        ++quiet;
        continue;
      } catch (const Poco::Exception&) {
        drop();
        return;
      }
      if (n == 0 && flags == 0) {
        drop();
        return;
      }
      const int op = flags & WebSocket::FRAME_OP_BITMASK;
      if (op == WebSocket::FRAME_OP_CLOSE) {
        drop();
        return;
      }
      if (op == WebSocket::FRAME_OP_PING) {
        try {
          ws_->sendFrame(buf.begin(), n, kPong);
        } catch (const Poco::Exception&) {
          drop();  // the server closed meanwhile (e.g. after refusing an oversized frame)
          return;
        }
        continue;
      }
      if (op != WebSocket::FRAME_OP_TEXT) continue;
      handle(std::string(buf.begin(), static_cast<std::size_t>(n)));
    }
  }

  // A local edit: applied at once, sent when nothing else is in flight.
  void edit(const std::string& field, const ot::Op& op) {
    texts_[field] = *ot::apply(texts_[field], op);
    pending_.push_back({field, op, ++seq_});
    flushPending();
  }

  void insertUnique(const std::string& field, std::mt19937& rng, const std::u32string& text) {
    const std::size_t pos = rng() % (texts_[field].size() + 1);
    edit(field, ot::insertAt(pos, text));
    inserted_[seq_] = text;
  }

  void randomDelete(const std::string& field, std::mt19937& rng) {
    auto& t = texts_[field];
    if (t.empty()) return;
    const std::size_t pos = rng() % t.size();
    edit(field, ot::deleteAt(pos, 1 + rng() % std::min<std::size_t>(3, t.size() - pos)));
  }

  bool settled() const { return !inflight_ && pending_.empty() && !waitingResume_; }
  bool has(const std::string& field) const { return texts_.count(field) > 0; }
  const std::u32string& text(const std::string& f) { return texts_[f]; }
  std::string firstTextField() const { return textFields_.empty() ? "" : *textFields_.begin(); }
  std::vector<std::string> errors;
  std::vector<Object::Ptr> presence, notices;
  std::vector<Object::Ptr> frames;                       // every frame received
  std::map<std::string, Poco::JSON::Array::Ptr> tables;  // as the last snapshot had them
  bool editable = false;
  std::string reason;
  std::set<std::int64_t> acked;
  std::map<std::int64_t, std::u32string> inserted_;  // seq -> text inserted
  std::int64_t revision() const { return revision_; }

 private:
  struct Pending {
    std::string field;
    ot::Op op;
    std::int64_t seq;
  };

  void flushPending() {
    if (inflight_ || pending_.empty() || !ws_ || waitingResume_) return;
    inflight_ = pending_.front();
    pending_.pop_front();
    sendInflight();
  }

  void sendInflight() {
    Object o;
    o.set("type", "op");
    o.set("field", inflight_->field);
    o.set("revision", revision_);
    o.set("seq", inflight_->seq);
    o.set("op", sendflow::engine::opToJson(inflight_->op));
    send(toJson(o));
  }

  void handle(const std::string& frame) {
    auto m = Poco::JSON::Parser().parse(frame).extract<Object::Ptr>();
    const auto type = m->getValue<std::string>("type");
    frames.push_back(m);
    if (type == "snapshot" && skipSnapshots_ > 0) {
      --skipSnapshots_;
      editable = m->getValue<bool>("editable");
    } else if (type == "snapshot") {
      revision_ = m->getValue<std::int64_t>("revision");
      editable = m->getValue<bool>("editable");
      reason = m->optValue<std::string>("reason", "");
      auto fields = m->getObject("fields");
      texts_.clear();
      for (const auto& name : fields->getNames()) {
        auto f = fields->getObject(name);
        if (f->getValue<std::string>("kind") == "table") tables[name] = f->getArray("rows");
        if (f->getValue<std::string>("kind") == "text") {
          textFields_.insert(name);
          texts_[name] = *sendflow::engine::utf8::decode(f->getValue<std::string>("text"));
        }
      }
      // A snapshot replaces what we had: anything unacknowledged is gone with it.
      inflight_.reset();
      pending_.clear();
      waitingResume_ = false;
    } else if (type == "resumed") {
      waitingResume_ = false;
      if (inflight_)
        sendInflight();  // the server drops it if it already has it
      else
        flushPending();
    } else if (type == "op") {
      const auto client = m->optValue<std::string>("client", "");
      const auto seq = m->optValue<std::int64_t>("seq", 0);
      revision_ = m->getValue<std::int64_t>("revision");
      if (client == clientId_ && inflight_ && seq == inflight_->seq) {
        acked.insert(seq);
        inflight_.reset();
        flushPending();
        return;
      }
      if (client == clientId_) return;  // an old one of ours replayed, already applied
      const auto field = m->getValue<std::string>("field");
      auto remote = *sendflow::engine::opFromJson(m->get("op"));
      auto pass = [&](Pending& p) {
        if (p.field != field) return;
        auto mine = ot::transform(p.op, remote, ot::Side::kRight);
        remote = ot::transform(remote, p.op, ot::Side::kLeft);
        p.op = mine;
      };
      if (inflight_) pass(*inflight_);
      for (auto& p : pending_) pass(p);
      texts_[field] = *ot::apply(texts_[field], remote);
    } else if (type == "set") {
      revision_ = m->getValue<std::int64_t>("revision");
      if (m->optValue<std::string>("client", "") == clientId_ && inflight_ &&
          m->optValue<std::int64_t>("seq", 0) == inflight_->seq) {
        inflight_.reset();
        flushPending();
      }
    } else if (type == "ack") {
      if (inflight_ && m->getValue<std::int64_t>("seq") == inflight_->seq) {
        acked.insert(inflight_->seq);
        inflight_.reset();
        flushPending();
      }
    } else if (type == "presence") {
      presence.push_back(m);
    } else if (type == "overwritten") {
      notices.push_back(m);
    } else if (type == "error") {
      errors.push_back(m->getValue<std::string>("code"));
      if (inflight_ && m->optValue<std::int64_t>("seq", 0) == inflight_->seq) {
        inflight_.reset();  // refused: our local text is now wrong; tests that hit this resync
        flushPending();
      }
    }
  }

  std::string clientId_;
  std::map<std::string, std::string> cookies_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  std::unique_ptr<WebSocket> ws_;
  bool everConnected_ = false;
  bool waitingResume_ = false;
  int skipSnapshots_ = 0;
  std::int64_t revision_ = 0;
  std::int64_t seq_ = 0;
  std::map<std::string, std::u32string> texts_;
  std::set<std::string> textFields_;
  std::optional<Pending> inflight_;
  std::deque<Pending> pending_;
};

// Every (unique) code point of `inserted` is in `text`: a later insert may land inside it.
inline bool containsAll(const std::u32string& text, const std::u32string& inserted) {
  for (char32_t c : inserted) {
    if (text.find(c) == std::u32string::npos) return false;
  }
  return true;
}

inline std::u32string uniqueText(char32_t& next, std::size_t n) {
  std::u32string t;
  for (std::size_t i = 0; i < n; ++i) t.push_back(next++);
  return t;
}

}  // namespace sendflow::testing
