// Sign-in and link security over the real server (issue 11 items 7, 8, 9 and 12c): the emailed
// code's attempt limit under concurrency, expired links, sessions ended by a password change,
// and a sign-in throttle per account and source address.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

void exec(const std::string& dbPath, const std::string& sql) {
  storage::Database db(dbPath);
  db.exec(sql);
}

int64_t count(const std::string& dbPath, const std::string& sql) {
  storage::Database db(dbPath);
  storage::Statement st(db, sql);
  st.step();
  return st.getInt(0);
}

std::string linkKey(const std::string& home) {
  std::ifstream key(home + "/keys/link.key", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(key)), {});
}

// The newest signing invitation queued for a contact of a plan awaiting signatures:
// (plan id, request id, link token).
struct SignerLink {
  int64_t plan = 0;
  int64_t request = 0;
  std::string token;
};
SignerLink contactSignerLink(const std::string& home) {
  storage::Database db(home + "/sendflow.db");
  storage::Statement st(
      db,
      "SELECT o.plan_id, o.data FROM outbox o JOIN plan p ON p.id=o.plan_id "
      "WHERE o.kind='sign_invite' AND p.state='awaiting_signatures' AND o.data LIKE '%link_salt%' "
      "ORDER BY o.id DESC LIMIT 1");
  if (!st.step()) return {};
  auto o = Poco::JSON::Parser().parse(st.getText(1)).extract<Poco::JSON::Object::Ptr>();
  SignerLink out;
  out.plan = st.getInt(0);
  out.token = engine::signerLinkToken(linkKey(home), o->getValue<std::string>("link_salt"));
  storage::Statement rq(db, "SELECT id FROM signature_request WHERE token_hash=?");
  rq.bind(1, engine::sha256Hex(out.token));
  if (rq.step()) out.request = rq.getInt(0);
  return out;
}

// The code in the newest sign_code email.
std::string lastEmailedCode(const std::string& dbPath) {
  storage::Database db(dbPath);
  storage::Statement st(db,
                        "SELECT data FROM outbox WHERE kind='sign_code' ORDER BY id DESC LIMIT 1");
  if (!st.step()) return "";
  auto o = Poco::JSON::Parser().parse(st.getText(0)).extract<Poco::JSON::Object::Ptr>();
  return o->getValue<std::string>("code");
}

// A parent's signing link that needs the emailed code, opened: the link, the parent's client
// and the page's CSRF token.
struct CodeLinkOpened {
  SignerLink link;
  Client parent;
  std::string csrf;
};

CodeLinkOpened openCodeLink(Demo& demo, const std::string& db) {
  auto link = contactSignerLink(demo.server.home());
  REQUIRE_FALSE(link.token.empty());
  exec(db, "UPDATE signature_request SET code_required=1 WHERE id=" + std::to_string(link.request));
  Client parent = demo.server.client();
  auto page = parent.get("/s/" + link.token);
  REQUIRE(page.status == 200);
  const std::string csrf = Client::hiddenValue(page.body, "csrf");
  return {link, parent, csrf};
}

}  // namespace

TEST_CASE(
    "40 parallel wrong codes: at most 5 are compared, then the link is locked, even for the right "
    "code",
    "[web][auth][slow]") {
  Demo demo(std::map<std::string, std::string>{{"SENDFLOW_SIGNING_REQUIRE_CODE", "true"}});
  const std::string db = demo.server.home() + "/sendflow.db";
  auto opened = openCodeLink(demo, db);
  const SignerLink& link = opened.link;
  Client& parent = opened.parent;
  const std::string& csrf = opened.csrf;
  REQUIRE_FALSE(csrf.empty());
  auto sent = parent.postForm("/s/" + link.token + "/code", {{"csrf", csrf}, {"action", "send"}});
  REQUIRE(sent.status < 400);
  const std::string right = lastEmailedCode(db);
  REQUIRE(right.size() == 6);
  const std::string wrong = right == "123456" ? "654321" : "123456";

  constexpr int kParallel = 40;
  std::vector<int> statuses(kParallel);
  std::vector<std::string> bodies(kParallel);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kParallel; ++i)
    threads.emplace_back([&, i] {
      Client c = demo.server.client();
      c.cookies() = parent.cookies();
      while (!go) std::this_thread::yield();
      auto r = c.postForm("/s/" + link.token + "/code", {{"csrf", csrf}, {"code", wrong}});
      statuses[static_cast<size_t>(i)] = r.status;
      bodies[static_cast<size_t>(i)] = r.body;
    });
  go = true;
  for (auto& t : threads) t.join();

  int compared = 0, locked = 0;
  for (int i = 0; i < kParallel; ++i) {
    INFO(statuses[static_cast<size_t>(i)]);
    const auto& b = bodies[static_cast<size_t>(i)];
    if (b.find("That code is not right") != std::string::npos)
      ++compared;
    else if (b.find("this link is locked") != std::string::npos)
      ++locked;
  }
  CHECK(compared <= 5);
  CHECK(compared + locked == kParallel);
  CHECK(count(db, "SELECT count(*) FROM audit_event WHERE action='signature.code_wrong'") <= 5);
  CHECK(count(db, "SELECT code_attempts FROM signature_request WHERE id=" +
                      std::to_string(link.request)) == 5);

  // The right code now is refused as well: the link is locked, and says what to do.
  auto late = parent.postForm("/s/" + link.token + "/code", {{"csrf", csrf}, {"code", right}});
  CHECK(late.status == 429);
  CHECK(late.body.find("this link is locked") != std::string::npos);
  CHECK(late.body.find("send you a new link") != std::string::npos);
  CHECK(count(db, "SELECT code_verified FROM signature_request WHERE id=" +
                      std::to_string(link.request)) == 0);
}

TEST_CASE("a used signing link shows nothing but how to ask for a copy once it expires",
          "[web][auth][slow]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  auto link = contactSignerLink(demo.server.home());
  REQUIRE_FALSE(link.token.empty());
  Client parent = demo.server.client();
  auto page = parent.get("/s/" + link.token);
  REQUIRE(page.status == 200);
  const std::string csrf = Client::hiddenValue(page.body, "csrf");
  auto signedOk = parent.postForm(
      "/s/" + link.token + "/sign",
      {{"csrf", csrf}, {"consent", "yes"}, {"method", "typed"}, {"typed_name", "Parent Name"}});
  REQUIRE(signedOk.status == 200);
  // Used but not yet expired: the signer can still read what they signed.
  REQUIRE(parent.get("/s/" + link.token).status == 200);
  REQUIRE(parent.get("/s/" + link.token + "/pdf").status == 200);

  exec(db, "UPDATE signature_request SET expires_at='2001' || substr(created_at, 5) WHERE id=" +
               std::to_string(link.request));
  for (const std::string suffix : {"", "/pdf", "/sealed.pdf"}) {
    INFO(suffix);
    auto r = parent.get("/s/" + link.token + suffix);
    CHECK(r.status == 410);
    CHECK(r.headers["Content-Type"].find("application/pdf") == std::string::npos);
    CHECK(r.body.find("ask the school") != std::string::npos);
    CHECK(r.body.find("Content hash") == std::string::npos);
    CHECK(r.body.find("Parent Name") == std::string::npos);
  }
  // Posting to it is refused the same way.
  CHECK(parent
            .postForm("/s/" + link.token + "/sign", {{"csrf", csrf},
                                                     {"consent", "yes"},
                                                     {"method", "typed"},
                                                     {"typed_name", "Parent Name"}})
            .status == 410);
}

namespace {

// The fields of the admin's edit form for a user, as a browser would post them unchanged.
std::map<std::string, std::string> userFormFields(const std::string& html,
                                                  const std::string& csrf) {
  std::map<std::string, std::string> out{{"csrf", csrf}, {"active", "1"}};
  std::smatch m;
  for (const std::string name : {"email", "name"})
    if (std::regex_search(html, m, std::regex("name=\"" + name + "\"[^>]*value=\"([^\"]*)\"")))
      out[name] = m[1];
  std::regex checked("name=\"((?:role_[0-9]+_[a-z_]+)|trust_admin)\" value=\"1\" checked");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), checked);
       it != std::sregex_iterator(); ++it)
    out[(*it)[1]] = "1";
  return out;
}

std::string htmlDecoded(std::string s) {
  const std::vector<std::pair<std::string, std::string>> entities{
      {"&#39;", "'"}, {"&quot;", "\""}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities)
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
      s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE(
    "changing one's password ends one's other sessions, an admin's reset ends them all, both "
    "audited",
    "[web][auth][slow]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  const auto& [email, password] = demo.logins.at("senco@" + std::string(Demo::kOak));
  const int64_t sencoId = demo.userId("senco");
  Client laptop = demo.senco();
  Client phone = demo.senco();
  REQUIRE(phone.get("/").status == 200);

  auto form = laptop.get("/account/password");
  REQUIRE(form.status == 200);
  CHECK(form.body.find("name=\"current_password\"") != std::string::npos);
  const std::string newPassword = "a brand new passphrase for oak";
  // CSRF, the current password and the strength rule are all checked.
  CHECK(laptop
            .postForm("/account/password", {{"current_password", password},
                                            {"new_password", newPassword},
                                            {"confirm_password", newPassword}})
            .status == 403);
  auto wrongCurrent = laptop.postForm("/account/password", {{"csrf", laptop.csrf},
                                                            {"current_password", "not it at all!"},
                                                            {"new_password", newPassword},
                                                            {"confirm_password", newPassword}});
  CHECK(wrongCurrent.status == 422);
  CHECK(wrongCurrent.body.find("current password is not right") != std::string::npos);
  auto weak = laptop.postForm("/account/password", {{"csrf", laptop.csrf},
                                                    {"current_password", password},
                                                    {"new_password", "short"},
                                                    {"confirm_password", "short"}});
  CHECK(weak.status == 422);
  CHECK(weak.body.find("at least 12 characters") != std::string::npos);
  CHECK(phone.get("/").status == 200);  // nothing changed yet

  auto changed = laptop.postForm("/account/password", {{"csrf", laptop.csrf},
                                                       {"current_password", password},
                                                       {"new_password", newPassword},
                                                       {"confirm_password", newPassword}});
  REQUIRE(changed.status == 200);
  CHECK(laptop.get("/").status == 200);  // the session that changed it stays
  auto ended = phone.get("/");
  CHECK(ended.status == 303);
  CHECK(ended.headers["Location"].rfind("/login", 0) == 0);
  CHECK(demo.server.client().login(email, password).status == 401);
  Client tablet = demo.server.client();
  REQUIRE(tablet.login(email, newPassword).status == 303);
  CHECK(
      count(db,
            "SELECT count(*) FROM audit_event WHERE action='user.password_change' AND subject_id=" +
                std::to_string(sencoId)) == 1);
  CHECK(
      count(db,
            "SELECT count(*) FROM audit_event WHERE action='user.sessions_ended' AND subject_id=" +
                std::to_string(sencoId) + " AND detail LIKE '%password_changed%'") == 1);

  // The trust admin resets the password: every session of the user ends, none is kept.
  Client admin = demo.server.client();
  REQUIRE(admin.login("admin@trust.example", "trust-admin-demo-1").status == 303);
  auto edit = admin.get("/admin/users/" + std::to_string(sencoId));
  REQUIRE(edit.status == 200);
  auto fields = userFormFields(edit.body, admin.csrf);
  fields["name"] = htmlDecoded(fields["name"]);
  fields["password"] = "the admin chose this one";
  REQUIRE(fields.size() > 5);
  auto reset = admin.postForm("/admin/users/" + std::to_string(sencoId), fields);
  INFO(reset.body.substr(0, 3000));
  REQUIRE(reset.status == 303);
  CHECK(laptop.get("/").status == 303);
  CHECK(tablet.get("/").status == 303);
  CHECK(admin.get("/").status == 200);
  CHECK(
      count(db,
            "SELECT count(*) FROM audit_event WHERE action='user.sessions_ended' AND subject_id=" +
                std::to_string(sencoId)) == 2);
  CHECK(count(db, "SELECT count(*) FROM session WHERE user_id=" + std::to_string(sencoId)) == 0);

  // A role change ends them too (the next request would see the new roles anyway; a session
  // opened under the old ones should not outlive them).
  Client again = demo.server.client();
  REQUIRE(again.login(email, "the admin chose this one").status == 303);
  fields.erase("password");
  fields["role_" + std::to_string(demo.firstAcademy()) + "_staff"] = "1";
  REQUIRE(admin.postForm("/admin/users/" + std::to_string(sencoId), fields).status == 303);
  CHECK(again.get("/").status == 303);
}

TEST_CASE(
    "wrong passwords from one address lock only that address out, and the owner is emailed once",
    "[web][auth][slow]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  const auto& [email, password] = demo.logins.at("senco@" + std::string(Demo::kOak));
  const std::string noticeCount =
      "SELECT count(*) FROM outbox WHERE kind='sign_in_failures' AND to_address='" + email + "'";
  Client attacker(demo.server.port(), "127.0.0.2");
  for (int i = 0; i < 5; ++i)
    CHECK(attacker.login(email, "a wrong guess " + std::to_string(i)).status == 401);
  auto refused = attacker.login(email, password);
  CHECK(refused.status == 429);
  CHECK(std::stoi(refused.headers["Retry-After"]) > 0);
  CHECK(count(db, noticeCount) == 1);

  // The owner, at school, signs in all the same.
  Client owner(demo.server.port(), "127.0.0.3");
  CHECK(owner.login(email, password).status == 303);
  CHECK(owner.get("/").status == 200);

  // More failures from elsewhere in the same window: still one email, and it holds no secret.
  Client another(demo.server.port(), "127.0.0.4");
  for (int i = 0; i < 5; ++i) CHECK(another.login(email, "another wrong guess").status == 401);
  CHECK(another.login(email, password).status == 429);
  CHECK(count(db, noticeCount) == 1);
  CHECK(count(db,
              "SELECT count(*) FROM outbox WHERE kind='sign_in_failures' AND (data LIKE '%guess%' "
              "OR data LIKE '%" +
                  password + "%')") == 0);
  // Other accounts at the attacker's address are not locked by this one.
  const auto& [teacher, teacherPassword] = demo.logins.at("staff@" + std::string(Demo::kOak));
  CHECK(Client(demo.server.port(), "127.0.0.2").login(teacher, teacherPassword).status == 303);
}

TEST_CASE("behind a trusted proxy, each forwarded client address has its own sign-in throttle",
          "[web][auth][slow]") {
  Demo demo(std::map<std::string, std::string>{{"SENDFLOW_HTTP_TRUSTED_PROXIES", "127.0.0.1"}});
  const std::string email = demo.logins.at("senco@" + std::string(Demo::kOak)).first;
  const std::string password = demo.logins.at("senco@" + std::string(Demo::kOak)).second;
  auto loginFrom = [&](const std::string& forwardedFor, const std::string& pass) {
    Client c = demo.server.client();
    const std::map<std::string, std::string> xff{{"X-Forwarded-For", forwardedFor}};
    auto page = c.request("GET", "/login", "", "", xff);
    Poco::Net::HTMLForm form;
    form.set("email", email);
    form.set("password", pass);
    form.set("csrf", Client::hiddenValue(page.body, "csrf"));
    form.set("next", "/");
    std::ostringstream body;
    form.write(body);
    return c.request("POST", "/login", body.str(), "application/x-www-form-urlencoded", xff).status;
  };
  for (int i = 0; i < 5; ++i) CHECK(loginFrom("203.0.113.50", "not the password") == 401);
  CHECK(loginFrom("203.0.113.50", password) == 429);
  CHECK(loginFrom("198.51.100.20", password) == 303);
}

TEST_CASE("40 parallel wrong passwords from one address: at most 5 are checked",
          "[web][auth][slow]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  const std::string email = demo.logins.at("senco@" + std::string(Demo::kOak)).first;
  const std::string password = demo.logins.at("senco@" + std::string(Demo::kOak)).second;
  Client first(demo.server.port(), "127.0.0.2");
  auto page = first.get("/login");
  const std::string csrf = Client::hiddenValue(page.body, "csrf");
  REQUIRE_FALSE(csrf.empty());
  const int64_t before = count(db, "SELECT count(*) FROM audit_event WHERE action='login.failure'");
  constexpr int kParallel = 40;
  std::vector<int> statuses(kParallel);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kParallel; ++i)
    threads.emplace_back([&, i] {
      Client c(demo.server.port(), "127.0.0.2");
      c.cookies() = first.cookies();
      while (!go) std::this_thread::yield();
      statuses[static_cast<size_t>(i)] =
          c.postForm("/login", {{"email", email},
                                {"password", "wrong " + std::to_string(i)},
                                {"csrf", csrf},
                                {"next", "/"}})
              .status;
    });
  go = true;
  for (auto& t : threads) t.join();
  int checked = 0, refused = 0;
  for (int s : statuses) {
    checked += s == 401;
    refused += s == 429;
  }
  CHECK(checked <= 5);
  CHECK(checked + refused == kParallel);
  CHECK(count(db, "SELECT count(*) FROM audit_event WHERE action='login.failure'") - before <= 5);
  CHECK(first.login(email, password).status == 429);
}

namespace {

// Reads frames until a close frame or the connection ends (true), or `limit` passes (false).
bool closedWithin(Poco::Net::WebSocket& ws, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  ws.setReceiveTimeout(Poco::Timespan(0, 100000));
  while (std::chrono::steady_clock::now() < until) {
    Poco::Buffer<char> buf(0);
    int flags = 0;
    try {
      int n = ws.receiveFrame(buf, flags);
      if (n == 0 && flags == 0) return true;
      if ((flags & Poco::Net::WebSocket::FRAME_OP_BITMASK) == Poco::Net::WebSocket::FRAME_OP_CLOSE)
        return true;
    } catch (const Poco::TimeoutException&) {
    } catch (const Poco::Exception&) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("an open live-editing socket stops when its session is ended by a password reset",
          "[web][auth][live][slow]") {
  Demo demo;
  auto drafts = demo.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  const auto plan = drafts.front()->getValue<int64_t>("id");
  const int64_t sencoId = demo.userId("senco");
  Client senco = demo.senco();
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(demo.server.port()));
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET,
                             "/plans/" + std::to_string(plan) + "/live",
                             Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::NameValueCollection cookies;
  cookies.add("sf_session", senco.cookies()["sf_session"]);
  req.setCookies(cookies);
  Poco::Net::HTTPResponse res;
  Poco::Net::WebSocket ws(session, req, res);
  const std::string hello = R"({"type":"hello","client":"auth-test"})";
  ws.sendFrame(hello.data(), static_cast<int>(hello.size()));
  CHECK_FALSE(closedWithin(ws, std::chrono::milliseconds(500)));

  Client admin = demo.server.client();
  REQUIRE(admin.login("admin@trust.example", "trust-admin-demo-1").status == 303);
  auto edit = admin.get("/admin/users/" + std::to_string(sencoId));
  auto fields = userFormFields(edit.body, admin.csrf);
  fields["name"] = htmlDecoded(fields["name"]);
  fields["password"] = "reset by the trust admin";
  REQUIRE(admin.postForm("/admin/users/" + std::to_string(sencoId), fields).status == 303);
  REQUIRE(senco.get("/").status == 303);

  // The socket's session is asked again with its next message once live.recheck_ms has passed.
  const std::string ping = R"({"type":"hello","client":"auth-test"})";
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    try {
      ws.sendFrame(ping.data(), static_cast<int>(ping.size()));
    } catch (const Poco::Exception&) {
    }
    closed = closedWithin(ws, std::chrono::milliseconds(200));
  }
  CHECK(closed);
}

TEST_CASE("a code is emailed at most once a minute, so the button cannot flood a mailbox",
          "[web][auth]") {
  Demo demo(std::map<std::string, std::string>{{"SENDFLOW_SIGNING_REQUIRE_CODE", "true"}});
  const std::string db = demo.server.home() + "/sendflow.db";
  auto opened = openCodeLink(demo, db);
  const SignerLink& link = opened.link;
  Client& parent = opened.parent;
  const std::string& csrf = opened.csrf;
  auto first = parent.postForm("/s/" + link.token + "/code", {{"csrf", csrf}, {"action", "send"}});
  REQUIRE(first.status < 400);
  for (int i = 0; i < 5; ++i) {
    auto again =
        parent.postForm("/s/" + link.token + "/code", {{"csrf", csrf}, {"action", "send"}});
    REQUIRE(again.status == 429);
    REQUIRE(again.body.find("less than a minute ago") != std::string::npos);
  }
  storage::Database d(db);
  storage::Statement st(d,
                        "SELECT COUNT(*) FROM outbox WHERE kind='sign_code' AND idem_key LIKE ?");
  st.bind(1, "code:" + std::to_string(link.request) + ":%");
  REQUIRE(st.step());
  REQUIRE(st.getInt(0) == 1);
}
