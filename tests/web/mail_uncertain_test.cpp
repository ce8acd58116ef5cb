// Mail after handover (issue 13, point 7), against an SMTP server of the test's own (a few lines
// of Python on a loopback port) that drops the connection, or never replies, at a chosen step: a
// message whose whole body went before the connection dropped (or sendflow was killed) is
// "uncertain", never "sent" and never sent again by itself; the trust admin sees it and sends it
// again with one audited click; /healthz counts it; a connection dropped earlier is reported as
// closed, never as a refusal.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <thread>

#include "mail_world.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/smtp.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

// Speaks just enough SMTP; `mode`: "drop-after-data" closes the connection once the message's
// terminating "." arrived (before any reply), "hang-after-data" never replies to it, and
// "drop-at-mail" closes the connection on MAIL FROM. Writes "END" to its log per message
// received whole, "MAIL" per MAIL FROM.
class DroppingSmtp {
 public:
  explicit DroppingSmtp(const std::string& mode) : port_(freePort()) {
    handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
        "/usr/bin/python3",
        {"-c",
         "import socket, sys, threading, time\n"
         "port, mode, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
         "def note(s):\n"
         "    with open(log, 'a') as f: f.write(s + '\\n')\n"
         "def bye(c):\n"
         "    c.shutdown(socket.SHUT_RDWR); c.close()\n"
         "def serve(c):\n"
         "    f = c.makefile('rb')\n"
         "    c.sendall(b'220 test ESMTP\\r\\n')\n"
         "    data = False\n"
         "    while True:\n"
         "        line = f.readline()\n"
         "        if not line: return\n"
         "        if data:\n"
         "            if line == b'.\\r\\n':\n"
         "                note('END'); data = False\n"
         "                if mode == 'drop-after-data': return bye(c)\n"
         "                if mode == 'hang-after-data': time.sleep(3600)\n"
         "                c.sendall(b'250 ok\\r\\n')\n"
         "            continue\n"
         "        cmd = line.strip().upper()\n"
         "        if cmd.startswith(b'MAIL'):\n"
         "            note('MAIL')\n"
         "            if mode == 'drop-at-mail': return bye(c)\n"
         "        if cmd == b'DATA': c.sendall(b'354 go on\\r\\n'); data = True\n"
         "        elif cmd == b'QUIT': c.sendall(b'221 bye\\r\\n'); return bye(c)\n"
         "        else: c.sendall(b'250 ok\\r\\n')\n"
         "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "s.bind(('127.0.0.1', port)); s.listen(16)\n"
         "while True:\n"
         "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n",
         std::to_string(port_), mode, dir_.path() + "/log"}));
    for (int i = 0; i < 100 && !portOpen(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!portOpen(port_)) throw std::runtime_error("the test SMTP server did not start");
  }
  ~DroppingSmtp() {
    Poco::Process::kill(*handle_);
    handle_->wait();
  }
  int port() const { return port_; }
  int count(const std::string& what) const {
    std::ifstream in(dir_.path() + "/log");
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line == what ? 1 : 0;
    return n;
  }
  bool waitFor(const std::string& what, int n, int seconds = 30) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (count(what) < n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return count(what) >= n;
  }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

engine::Id queueOne(MailWorld& w, const std::string& key) {
  engine::OutboxMessage m;
  m.kind = engine::mailkind::kTest;
  m.key = key;
  m.toAddress = "parent@example.test";
  m.data = "{}";
  m.createdAt = m.nextAttemptAt = w.clock.now();
  return w.app->outbox().enqueue(m);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the connection dropped after the whole message went: uncertain, not sent, not resent",
          "[mail][smtp]") {
  DroppingSmtp smtp("drop-after-data");
  MailWorld w(day("2026-03-03"), smtp.port());
  const engine::Id id = queueOne(w, "drop-after-data");
  auto r = w.app->mail().drain();
  CHECK(r.uncertain == 1);
  CHECK(r.sent == 0);
  CHECK(smtp.count("END") == 1);
  auto m = *w.app->outbox().get(id);
  CHECK(m.status == engine::OutboxStatus::kUncertain);
  INFO(m.lastError);
  CHECK(contains(m.lastError,
                 "the mail server closed the connection after the whole message was "
                 "sent, before saying whether it accepted it"));
  CHECK_FALSE(contains(m.lastError, "refused"));
  CHECK(w.app->mail().counts().uncertain == 1);
  CHECK(w.app->mail().uncertainCount() == 1);
  // Later drains leave it alone: only a person decides to send it again.
  w.clock.advance(std::chrono::hours(2));
  w.app->mail().drain();
  CHECK(smtp.count("END") == 1);
  CHECK(w.app->outbox().get(id)->status == engine::OutboxStatus::kUncertain);
  // The trust admin's resend: queued again, audited, sent again (here: dropped again).
  auto admin = w.sencoActor();
  REQUIRE(w.app->mail().resendUncertain(admin, id));
  CHECK_FALSE(w.app->mail().resendUncertain(admin, id));  // no longer uncertain
  CHECK(w.app->outbox().get(id)->status == engine::OutboxStatus::kQueued);
  auto events = w.app->auditLog().forSubject("outbox", id);
  REQUIRE(events.size() == 1);
  CHECK(events[0].action == "mail.resend");
  CHECK(w.app->mail().drain().uncertain == 1);
  CHECK(smtp.count("END") == 2);
}

TEST_CASE("a connection dropped at MAIL FROM is reported as closed, not as a refused sender",
          "[mail][smtp]") {
  DroppingSmtp smtp("drop-at-mail");
  MailWorld w(day("2026-03-03"), smtp.port());
  const engine::Id id = queueOne(w, "drop-at-mail");
  w.app->mail().drain();
  REQUIRE(smtp.count("MAIL") >= 1);
  auto m = *w.app->outbox().get(id);
  INFO(m.lastError);
  CHECK(m.status == engine::OutboxStatus::kRetrying);  // nothing was handed over: safe to retry
  CHECK(contains(m.lastError, "the mail server 127.0.0.1:" + std::to_string(smtp.port()) +
                                  " closed the connection after MAIL FROM, before replying"));
  CHECK_FALSE(contains(m.lastError, "refused"));
}

TEST_CASE("sendflow killed (SIGKILL) after handing a message over: uncertain after the restart",
          "[mail][smtp][slow]") {
  DroppingSmtp smtp("hang-after-data");
  auto w = std::make_unique<MailWorld>(day("2026-03-03"), smtp.port());
  const engine::Id id = queueOne(*w, "killed-after-handover");
  const std::string home = w->home.path();
  auto env = environmentFor(w->keys);
  env.insert({{"SENDFLOW_HOME", home},
              {"SENDFLOW_PORT", "0"},
              {"SENDFLOW_LOG_FILE", home + "/server.log"},
              {"SENDFLOW_MAIL_POLL_SECONDS", "1"}});
  env["SENDFLOW_SMTP_TIMEOUT_SECONDS"] = "120";  // it waits for the reply until it is killed
  auto settings = w->settings;
  w->app.reset();
  {
    ServeProcess serve(SENDFLOW_BINARY, env);
    REQUIRE(smtp.waitFor("END", 1));  // the server has the whole message; no reply comes
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    serve.kill(SIGKILL);
  }
  web::App app(settings, w->clock, Poco::Logger::get("mail-test"), false);
  CHECK(app.outbox().get(id)->status == engine::OutboxStatus::kSending);
  auto r = app.mail().drain();  // a restart's first drain recovers what the dead process held
  CHECK(r.recovered == 1);
  auto m = *app.outbox().get(id);
  INFO(m.lastError << " / " << m.serverReply);
  CHECK(m.status == engine::OutboxStatus::kUncertain);
  CHECK(contains(m.lastError,
                 "sendflow stopped after handing the whole message to the mail "
                 "server, before its reply"));
  CHECK(smtp.count("END") == 1);  // and it was not sent again
  w->app = nullptr;
}

TEST_CASE(
    "the admin's mail page lists uncertain messages with a one-click audited resend, and "
    "/healthz counts them",
    "[mail][smtp][web]") {
  DroppingSmtp smtp("drop-after-data");
  Demo demo({{"SENDFLOW_SMTP_HOST", "127.0.0.1"},
             {"SENDFLOW_SMTP_PORT", std::to_string(smtp.port())},
             {"SENDFLOW_SMTP_TLS", "none"},
             {"SENDFLOW_SMTP_TIMEOUT_SECONDS", "5"},
             {"SENDFLOW_MAIL_POLL_SECONDS", "1"}});
  // The demo's queued messages go out, and every connection drops after the message.
  Client anon = demo.server.client();
  int uncertain = 0;
  for (int i = 0; i < 300 && uncertain == 0; ++i) {
    auto health = anon.get("/healthz");
    REQUIRE(health.status == 200);
    uncertain =
        health.json()->getObject("checks")->getObject("mail")->getValue<int>("mail_uncertain");
    if (!uncertain) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(uncertain > 0);

  Client admin = demo.signedIn("trust_admin", "");
  auto page = admin.get("/admin/mail?status=uncertain");
  REQUIRE(page.status == 200);
  CHECK((contains(page.body, "1 message is uncertain: the mail server was given") ||
         contains(page.body, " messages are uncertain: the mail server was given")));
  CHECK_FALSE(contains(page.body, "(s)"));
  CHECK(contains(page.body, "the mail server closed the connection after the whole message was"));
  // The first row's "Send again" button: action="/admin/mail/<id>/resend".
  const auto end = page.body.find("/resend\"");
  REQUIRE(end != std::string::npos);
  const auto start = page.body.rfind("/admin/mail/", end) + std::string("/admin/mail/").size();
  const std::string id = page.body.substr(start, end - start);
  REQUIRE_FALSE(id.empty());
  REQUIRE(id.find_first_not_of("0123456789") == std::string::npos);
  const int before = smtp.count("END");

  // Without the CSRF token, or as the SENCO: refused.
  CHECK(admin.postForm("/admin/mail/" + id + "/resend", {}).status == 403);
  Client senco = demo.senco();
  CHECK(senco.postForm("/admin/mail/" + id + "/resend", {{"csrf", senco.csrf}}).status == 403);
  auto resent = admin.postForm("/admin/mail/" + id + "/resend", {{"csrf", admin.csrf}});
  CHECK(resent.status == 303);
  CHECK(smtp.waitFor("END", before + 1));
  CHECK(admin.postForm("/admin/mail/x/resend", {{"csrf", admin.csrf}}).status != 500);

  storage::Database db(demo.server.home() + "/sendflow.db");
  storage::Statement st(db,
                        "SELECT actor FROM audit_event WHERE action='mail.resend' AND "
                        "subject_type='outbox' AND subject_id=?");
  st.bind(1, static_cast<int64_t>(std::stoll(id)));
  REQUIRE(st.step());
  CHECK(st.getText(0) == "user:" + std::to_string(demo.userId("trust_admin", "")));
}
