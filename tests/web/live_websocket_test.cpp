// Live editing over real WebSockets against the real server binary: several editors converge,
// a client reconnects mid-edit, the server is SIGKILLed under load and restarted without losing
// an acknowledged operation, and bad input is refused with an error frame.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <deque>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/live/ot.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/live_client.h"
#include "support/raw_http.h"

namespace ot = sendflow::engine::ot;
using Poco::JSON::Object;
using Poco::Net::WebSocket;
using sendflow::testing::Client;
using sendflow::testing::containsAll;
using sendflow::testing::Demo;
using sendflow::testing::LiveClient;
using sendflow::testing::toJson;
using sendflow::testing::uniqueText;

namespace {

sendflow::engine::Id draftPlan(Demo& demo) {
  auto drafts = demo.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  return drafts.front()->getValue<sendflow::engine::Id>("id");
}

void pumpAll(std::vector<std::unique_ptr<LiveClient>>& cs, int rounds = 1) {
  for (auto& c : cs) c->pump(rounds);
}

void settle(std::vector<std::unique_ptr<LiveClient>>& cs) {
  for (int i = 0; i < 500; ++i) {
    pumpAll(cs);
    bool all = true;
    for (auto& c : cs) all = all && c->settled();
    if (all) break;
  }
  pumpAll(cs, 5);
}

// A launched server process we may SIGKILL (tests/support's Server only stops with SIGTERM).
struct KillableServer {
  explicit KillableServer(std::map<std::string, std::string> env) : env_(std::move(env)) {}
  ~KillableServer() {
    if (handle_) {
      Poco::Process::kill(*handle_);
      handle_->wait();
    }
  }
  int start() {
    pipe_ = std::make_unique<Poco::Pipe>();
    Poco::Process::Env e(env_.begin(), env_.end());
    handle_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch(SENDFLOW_BINARY, {"serve"}, ".", nullptr, pipe_.get(), nullptr, e));
    in_ = std::make_unique<Poco::PipeInputStream>(*pipe_);
    std::string line;
    while (std::getline(*in_, line)) {
      auto at = line.find("listening on ");
      if (at != std::string::npos) return std::stoi(line.substr(line.rfind(':') + 1));
    }
    throw std::runtime_error("sendflow serve did not start");
  }
  void sigkill() {
    ::kill(handle_->id(), SIGKILL);
    handle_->wait();
    handle_.reset();
  }
  std::map<std::string, std::string> env_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
  std::unique_ptr<Poco::Pipe> pipe_;
  std::unique_ptr<Poco::PipeInputStream> in_;
};

}  // namespace

namespace {

struct Contributor {
  sendflow::engine::Id contactId = 0;
  std::string token;
};

// The parent of the plan's pupil, and the token of the newest contribution link emailed to them
// (the outbox holds the salt; the token needs the server's link key as well).
Contributor parentOf(Demo& demo, sendflow::engine::Id plan) {
  const std::string db = demo.server.home() + "/sendflow.db";
  sendflow::storage::Database d(db);
  sendflow::storage::Statement c(d,
                                 "SELECT c.id FROM contact c JOIN plan p ON p.pupil_id=c.pupil_id "
                                 "WHERE p.id=? AND c.kind='parent_carer' ORDER BY c.id LIMIT 1");
  c.bind(1, plan);
  REQUIRE(c.step());
  Contributor out{c.getInt(0), ""};
  sendflow::storage::Statement m(
      d,
      "SELECT data FROM outbox WHERE kind='contribute_invite' AND plan_id=? "
      "ORDER BY id DESC LIMIT 1");
  m.bind(1, plan);
  if (m.step()) {
    auto o = Poco::JSON::Parser().parse(m.getText(0)).extract<Object::Ptr>();
    std::ifstream key(demo.server.home() + "/keys/link.key", std::ios::binary);
    out.token =
        sendflow::engine::linkToken(std::string((std::istreambuf_iterator<char>(key)), {}),
                                    "contribution", o->getValue<std::string>("contribute_salt"));
  }
  return out;
}

std::string scalar(Demo& demo, const std::string& sql) {
  sendflow::storage::Database d(demo.server.home() + "/sendflow.db");
  sendflow::storage::Statement st(d, sql);
  return st.step() ? st.getText(0) : "";
}

std::string academyOf(Demo& demo, sendflow::engine::Id plan) {
  return scalar(demo, "SELECT a.name FROM plan p JOIN academy a ON a.id=p.academy_id WHERE p.id=" +
                          std::to_string(plan));
}

sendflow::engine::Id peepDraft(Demo& demo) {
  for (auto& p : demo.plans("peep", "draft")) return p->getValue<sendflow::engine::Id>("id");
  FAIL("no PEEP draft in the demo");
  return 0;
}

}  // namespace

TEST_CASE("live WebSocket: several editors of one plan converge, with presence",
          "[web][live][slow]") {
  Demo demo;
  const auto plan = draftPlan(demo);
  std::vector<std::unique_ptr<LiveClient>> cs;
  for (int i = 0; i < 3; ++i) {
    Client http = demo.senco();
    cs.push_back(std::make_unique<LiveClient>("c" + std::to_string(i), http.cookies()));
    REQUIRE(cs.back()->connect(demo.server.port(), plan));
  }
  pumpAll(cs, 3);
  const std::string field = cs[0]->firstTextField();
  REQUIRE_FALSE(field.empty());
  for (auto& c : cs) REQUIRE(c->editable);
  cs[1]->send(R"({"type":"focus","field":")" + field + "\"}");
  pumpAll(cs, 3);
  REQUIRE_FALSE(cs[0]->presence.empty());
  CHECK(toJson(cs[0]->presence.back()).find(field) != std::string::npos);
  CHECK(cs[0]->presence.back()->getArray("people")->size() == 3);

  std::mt19937 rng(11);
  char32_t next = 0x10000;
  for (int round = 0; round < 40; ++round) {
    for (auto& c : cs) {
      if (rng() % 4 == 0)
        c->randomDelete(field, rng);
      else
        c->insertUnique(field, rng, uniqueText(next, 1 + rng() % 3));
    }
    if (rng() % 2) pumpAll(cs);
  }
  settle(cs);
  for (auto& c : cs) {
    CHECK(c->errors.empty());
    REQUIRE(c->text(field) == cs[0]->text(field));
  }
  // A newcomer (and so the server) sees the same text.
  Client http = demo.senco();
  LiveClient late("late", http.cookies());
  REQUIRE(late.connect(demo.server.port(), plan));
  late.pump(3);
  CHECK(late.text(field) == cs[0]->text(field));

  // Gone from presence soon after a disconnect.
  cs[2]->drop();
  cs.pop_back();
  pumpAll(cs, 5);
  CHECK(cs[0]->presence.back()->getArray("people")->size() == 3);  // c0, c1, late
}

TEST_CASE("live WebSocket: the version folded from live edits records who changed which field",
          "[web][live][slow]") {
  Demo demo;
  const auto plan = draftPlan(demo);
  Client sencoHttp = demo.senco();
  Client headHttp = demo.signedIn("head");
  std::vector<std::unique_ptr<LiveClient>> cs;
  cs.push_back(std::make_unique<LiveClient>("senco", sencoHttp.cookies()));
  cs.push_back(std::make_unique<LiveClient>("head", headHttp.cookies()));
  for (auto& c : cs) REQUIRE(c->connect(demo.server.port(), plan));
  pumpAll(cs, 3);
  const std::string field = cs[0]->firstTextField();
  REQUIRE_FALSE(field.empty());
  std::mt19937 rng(5);
  char32_t next = 0x10000;
  cs[0]->insertUnique(field, rng, uniqueText(next, 3));
  cs[1]->insertUnique(field, rng, uniqueText(next, 3));
  settle(cs);
  for (auto& c : cs) CHECK(c->errors.empty());
  cs.clear();
  std::map<std::string, int64_t> ids{{"senco", demo.userId("senco")},
                                     {"head", demo.userId("head")}};
  REQUIRE(demo.server.stop() == 0);  // SIGTERM: pending live edits are folded into a version
  sendflow::storage::Database db(demo.server.home() + "/sendflow.db");
  sendflow::storage::Statement st(
      db,
      "SELECT detail FROM audit_event WHERE action='plan.edit' AND subject_type='plan' "
      "AND subject_id=? ORDER BY id DESC LIMIT 1");
  st.bind(1, plan);
  REQUIRE(st.step());
  auto detail = Poco::JSON::Parser().parse(st.getText(0)).extract<Poco::JSON::Object::Ptr>();
  auto editors = detail->getObject("live_editors");
  REQUIRE(editors);
  for (const char* role : {"senco", "head"}) {
    auto fields = editors->getArray("user:" + std::to_string(ids.at(role)));
    REQUIRE(fields);
    CHECK(fields->size() == 1);
    CHECK(fields->getElement<std::string>(0) == field);
  }
}

TEST_CASE("live WebSocket: a client disconnecting mid-edit reconnects, resends and converges",
          "[web][live][slow]") {
  Demo demo;
  const auto plan = draftPlan(demo);
  std::vector<std::unique_ptr<LiveClient>> cs;
  for (int i = 0; i < 2; ++i) {
    Client http = demo.senco();
    cs.push_back(std::make_unique<LiveClient>("r" + std::to_string(i), http.cookies()));
    REQUIRE(cs.back()->connect(demo.server.port(), plan));
  }
  pumpAll(cs, 3);
  const std::string field = cs[0]->firstTextField();
  std::mt19937 rng(5);
  char32_t next = 0x10000;
  for (int i = 0; i < 10; ++i) cs[0]->insertUnique(field, rng, uniqueText(next, 2));
  cs[0]->drop();  // mid-edit: some operations unsent, one perhaps in flight
  for (int i = 0; i < 10; ++i) cs[1]->insertUnique(field, rng, uniqueText(next, 2));
  for (int i = 0; i < 5; ++i) cs[0]->insertUnique(field, rng, uniqueText(next, 2));  // offline
  settle(cs);
  REQUIRE(cs[0]->connect(demo.server.port(), plan));
  settle(cs);
  REQUIRE(cs[0]->text(field) == cs[1]->text(field));
  for (auto& c : cs) {
    for (auto& [seq, t] : c->inserted_) {
      CHECK(containsAll(c->text(field), t));  // nobody deleted anything here
    }
  }
}

TEST_CASE("live WebSocket: SIGKILL under load loses no acknowledged operation",
          "[web][live][slow]") {
  Demo demo;
  const auto plan = draftPlan(demo);
  std::map<std::string, std::string> cookies[3];
  for (auto& c : cookies) c = demo.senco().cookies();
  demo.server.stop();
  KillableServer server(demo.server.env());
  int port = server.start();

  std::vector<std::unique_ptr<LiveClient>> cs;
  for (int i = 0; i < 3; ++i) {
    cs.push_back(std::make_unique<LiveClient>("k" + std::to_string(i), cookies[i]));
    REQUIRE(cs.back()->connect(port, plan));
  }
  pumpAll(cs, 3);
  const std::string field = cs[0]->firstTextField();
  std::mt19937 rng(3);
  char32_t next = 0x10000;
  for (int round = 0; round < 60; ++round) {
    for (auto& c : cs) c->insertUnique(field, rng, uniqueText(next, 2));
    pumpAll(cs);
  }
  const std::string versionsBefore =
      scalar(demo, "SELECT count(*) FROM plan_version WHERE plan_id=" + std::to_string(plan));
  server.sigkill();  // under load: operations in flight, acks on the wire
  std::map<int, std::set<std::int64_t>> ackedBefore;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    cs[i]->pump(2);
    ackedBefore[static_cast<int>(i)] = cs[i]->acked;
    cs[i]->drop();
  }
  port = server.start();
  for (auto& c : cs) REQUIRE(c->connect(port, plan));
  settle(cs);
  for (std::size_t i = 0; i < cs.size(); ++i) {
    REQUIRE(cs[i]->text(field) == cs[0]->text(field));
    for (auto seq : ackedBefore[static_cast<int>(i)]) {
      INFO("client " << i << " seq " << seq);
      CHECK(containsAll(cs[0]->text(field), cs[i]->inserted_[seq]));
    }
  }
  std::size_t total = 0;
  for (auto& [i, s] : ackedBefore) total += s.size();
  CHECK(total > 10);
  // What was acknowledged before the crash became the plan's next version at start-up.
  CHECK(std::stoi(scalar(demo, "SELECT count(*) FROM plan_version WHERE plan_id=" +
                                   std::to_string(plan))) > std::stoi(versionsBefore));
}

TEST_CASE("live WebSocket: bad input gets an error frame and corrupts nothing",
          "[web][live][slow]") {
  Demo demo;
  const auto plan = draftPlan(demo);
  Client http = demo.senco();
  LiveClient c("bad", http.cookies());
  REQUIRE(c.connect(demo.server.port(), plan));
  c.pump(3);
  const std::string field = c.firstTextField();
  const std::u32string before = c.text(field);
  const std::string rev = std::to_string(c.revision());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "malformed"},
      {R"([1,2])", "malformed"},
      {R"({"type":"op","field":"no_such_field","revision":)" + rev + R"(,"seq":1,"op":["x"]})",
       "unknown_field"},
      {R"({"type":"op","field":")" + field + R"(","revision":)" + rev +
           R"(,"seq":2,"op":[100000,"x"]})",
       "out_of_range"},
      {R"({"type":"op","field":")" + field + R"(","revision":99999,"seq":3,"op":["x"]})",
       "bad_revision"},
      {R"({"type":"op","field":")" + field + R"(","revision":)" + rev +
           R"(,"seq":4,"op":[{"d":-3}]})",
       "malformed"},
      {R"({"type":"op","field":")" + field + R"(","revision":)" + rev + R"(,"seq":5,"op":7})",
       "malformed"},
  };
  for (const auto& [frame, code] : cases) {
    INFO(frame);
    c.errors.clear();
    c.send(frame);
    c.pump(5);
    REQUIRE(c.connected());
    REQUIRE_FALSE(c.errors.empty());
    CHECK(c.errors.back() == code);
  }
  // Flood: the rate limit answers, the connection stays.
  c.errors.clear();
  for (int i = 0; i < 300; ++i) c.send(R"({"type":"focus","field":""})");
  c.pump(5);
  REQUIRE(c.connected());
  CHECK(std::count(c.errors.begin(), c.errors.end(), "rate_limited") > 0);
  // Frames are handled in order: once a malformed frame is answered as such (not rate-limited),
  // the flood is behind the server and the connection serves again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    c.send("{}");
    c.pump(2);
  } while (c.connected() && (c.errors.empty() || c.errors.back() != "malformed") &&
           std::chrono::steady_clock::now() < deadline);
  REQUIRE(c.connected());
  CHECK(c.errors.back() == "malformed");

  // The document is intact: a fresh client sees the text as it was.
  LiveClient fresh("fresh", http.cookies());
  REQUIRE(fresh.connect(demo.server.port(), plan));
  fresh.pump(3);
  CHECK(fresh.text(field) == before);

  // Oversized frame (> 64 KiB): refused; the server closes that connection and carries on.
  const std::string huge = R"({"type":"focus","field":")" + std::string(70000, 'a') + "\"}";
  c.send(huge);
  c.pump(10);
  CHECK_FALSE(c.connected());
  LiveClient after("after", http.cookies());
  REQUIRE(after.connect(demo.server.port(), plan));
  after.pump(3);
  CHECK(after.text(field) == before);

  // Without a session: no channel.
  LiveClient anon("anon", {});
  int status = 0;
  CHECK_FALSE(anon.connect(demo.server.port(), plan, &status));
}

TEST_CASE("live WebSocket: a plan that is not editable is read-only and says why",
          "[web][live][slow]") {
  Demo demo;
  auto active = demo.plans("", "active", Demo::kOak);
  REQUIRE_FALSE(active.empty());
  const auto plan = active.front()->getValue<sendflow::engine::Id>("id");
  Client http = demo.senco();
  LiveClient c("ro", http.cookies());
  REQUIRE(c.connect(demo.server.port(), plan));
  c.pump(3);
  CHECK_FALSE(c.editable);
  CHECK(c.reason.find("cannot be edited") != std::string::npos);
  const std::string field = c.firstTextField();
  REQUIRE_FALSE(field.empty());
  c.send(R"({"type":"op","field":")" + field + R"(","revision":)" + std::to_string(c.revision()) +
         R"(,"seq":1,"op":["sneaky"]})");
  c.pump(5);
  REQUIRE_FALSE(c.errors.empty());
  CHECK(c.errors.back() == "read_only");
}

TEST_CASE(
    "contribution link: the SENCO invites a parent, who writes only their own section, by form and "
    "live",
    "[web][live][contribute][slow]") {
  Demo demo(std::map<std::string, std::string>{
      {"SENDFLOW_LIVE_RECHECK_MS", "100"}});  // the link is asked again this often
  const auto plan = peepDraft(demo);
  const std::string academy = academyOf(demo, plan);
  Client senco = demo.signedIn("senco", academy);
  const std::string planPath = "/plans/" + std::to_string(plan);
  auto contact = parentOf(demo, plan);

  // Another academy's SENCO cannot invite; a contact of another pupil is refused by name.
  Client foreign = demo.signedIn("senco", academy == Demo::kOak ? Demo::kHill : Demo::kOak);
  CHECK(foreign
            .postForm(planPath + "/contributors",
                      {{"csrf", foreign.csrf}, {"contact", std::to_string(contact.contactId)}})
            .status == 404);
  auto wrong =
      senco.postForm(planPath + "/contributors", {{"csrf", senco.csrf}, {"contact", "999999"}});
  CHECK(wrong.status == 422);
  CHECK(wrong.body.find("Choose one of the pupil") != std::string::npos);

  auto invited =
      senco.postForm(planPath + "/contributors",
                     {{"csrf", senco.csrf}, {"contact", std::to_string(contact.contactId)}});
  REQUIRE(invited.status == 303);
  contact = parentOf(demo, plan);
  REQUIRE(contact.token.size() == 43);
  // The outbox row holds no link and no name of the pupil beyond initials.
  const std::string data = scalar(
      demo, "SELECT data FROM outbox WHERE kind='contribute_invite' ORDER BY id DESC LIMIT 1");
  CHECK(data.find(contact.token) == std::string::npos);
  CHECK(
      scalar(demo,
             "SELECT count(*) FROM audit_event WHERE action='contribution.invite' AND subject_id=" +
                 std::to_string(plan)) == "1");
  auto page = senco.get(planPath);
  CHECK(page.body.find("Who contributes") != std::string::npos);
  CHECK(page.body.find("Invited") != std::string::npos);

  // The parent's page: their section, no other.
  Client parent = demo.server.client();
  CHECK(parent.get("/c/not-a-token").status == 404);
  auto mine = parent.get("/c/" + contact.token);
  REQUIRE(mine.status == 200);
  CHECK(mine.body.find("id=\"s-parent_views\"") != std::string::npos);
  CHECK(mine.body.find("name=\"f.parent_views\"") != std::string::npos);
  CHECK(mine.body.find("name=\"f.why_needed") == std::string::npos);
  CHECK(mine.body.find("s-pupil_details") == std::string::npos);
  const std::string csrf = Client::hiddenValue(mine.body, "csrf");
  const std::string base = Client::hiddenValue(mine.body, "base_version");

  // Form post: their field saved as a version authored by them; a smuggled staff field is ignored.
  const std::string staffBefore = scalar(
      demo, "SELECT json_extract(values_json,'$.pupil_name') FROM plan_version WHERE plan_id=" +
                std::to_string(plan) + " ORDER BY number DESC LIMIT 1");
  auto saved = parent.postForm("/c/" + contact.token,
                               {{"csrf", csrf},
                                {"base_version", base},
                                {"f.parent_views", "She likes a warning before the alarm."},
                                {"f.pupil_name", "Someone Else"}});
  REQUIRE(saved.status == 303);
  CHECK(
      scalar(demo,
             "SELECT json_extract(values_json,'$.parent_views') FROM plan_version WHERE plan_id=" +
                 std::to_string(plan) + " ORDER BY number DESC LIMIT 1") ==
      "She likes a warning before the alarm.");
  CHECK(scalar(demo,
               "SELECT json_extract(values_json,'$.pupil_name') FROM plan_version WHERE plan_id=" +
                   std::to_string(plan) + " ORDER BY number DESC LIMIT 1") == staffBefore);
  CHECK(scalar(demo, "SELECT author FROM plan_version WHERE plan_id=" + std::to_string(plan) +
                         " ORDER BY number DESC LIMIT 1") ==
        "contact:" + std::to_string(contact.contactId));
  CHECK(
      scalar(demo, "SELECT count(*) FROM audit_event WHERE action='plan.edit' AND actor='contact:" +
                       std::to_string(contact.contactId) + "'") == "1");
  // Without the pre-session CSRF cookie's token: refused, nothing saved.
  Client stranger = demo.server.client();
  CHECK(stranger.postForm("/c/" + contact.token, {{"base_version", base}, {"f.parent_views", "x"}})
            .status == 403);
  // The SENCO saves another section meanwhile: the parent's page, now stale, still saves (their
  // field was not touched) ...
  const std::string base2 =
      Client::hiddenValue(parent.get("/c/" + contact.token).body, "base_version");
  auto staffSave = senco.postForm(
      planPath, {{"csrf", senco.csrf},
                 {"base_version", base2},
                 {"f.why_needed", "Uses a wheelchair; needs the evac chair upstairs."}});
  REQUIRE(staffSave.status == 303);
  auto again = parent.postForm(
      "/c/" + contact.token, {{"csrf", csrf},
                              {"base_version", base2},
                              {"f.parent_views", "She likes a warning before the alarm, please."}});
  CHECK(again.status == 303);
  CHECK(scalar(demo,
               "SELECT json_extract(values_json,'$.why_needed') FROM plan_version WHERE plan_id=" +
                   std::to_string(plan) + " ORDER BY number DESC LIMIT 1") ==
        "Uses a wheelchair; needs the evac chair upstairs.");
  // ... but when their own answer changed since they opened the page: 409, their text kept on the
  // page.
  auto clash = parent.postForm(
      "/c/" + contact.token,
      {{"csrf", csrf}, {"base_version", base2}, {"f.parent_views", "A third answer"}});
  CHECK(clash.status == 409);
  CHECK(clash.body.find("A third answer") != std::string::npos);
  CHECK(clash.body.find("Someone else changed your part") != std::string::npos);

  // Live: the parent sees and edits only their fields; the SENCO sees the parent's typing. Their
  // language is Urdu: what the session tells them (why they cannot edit) is in Urdu.
  REQUIRE(senco
              .postJson("PATCH", "/api/v1/contacts/" + std::to_string(contact.contactId),
                        R"({"language":"ur"})")
              .status == 200);
  LiveClient p("parent", {});
  REQUIRE(p.connect(demo.server.port(), plan, nullptr, "/c/" + contact.token + "/live"));
  LiveClient s("senco", senco.cookies());
  REQUIRE(s.connect(demo.server.port(), plan));
  std::vector<LiveClient*> both{&p, &s};
  for (int i = 0; i < 5; ++i)
    for (auto* c : both) c->pump();
  CHECK(p.editable);
  CHECK(p.has("parent_views"));
  CHECK_FALSE(p.has("why_needed"));
  CHECK(s.has("why_needed"));
  // The same field at the same moment, from both: both inputs survive, both converge.
  p.edit("parent_views", ot::insertAt(0, U"[parent] "));
  s.edit("parent_views", ot::insertAt(p.text("parent_views").size() - 9, U" [senco]"));
  for (int i = 0; i < 200 && !(p.settled() && s.settled()); ++i)
    for (auto* c : both) c->pump();
  for (int i = 0; i < 5; ++i)
    for (auto* c : both) c->pump();
  CHECK(p.text("parent_views") == s.text("parent_views"));
  CHECK(p.text("parent_views").find(U"[parent] ") != std::u32string::npos);
  CHECK(p.text("parent_views").find(U" [senco]") != std::u32string::npos);
  // A staff field, even named by hand: refused per operation.
  p.send(R"({"type":"op","field":"why_needed","revision":)" + std::to_string(p.revision()) +
         R"(,"seq":99,"op":["x"]})");
  p.pump(5);
  REQUIRE_FALSE(p.errors.empty());
  CHECK(p.errors.back() == "forbidden");
  // Presence names the parent to the SENCO.
  bool named = false;
  for (auto& pr : s.presence)
    named = named || toJson(*pr).find(scalar(demo, "SELECT name FROM contact WHERE id=" +
                                                       std::to_string(contact.contactId))) !=
                         std::string::npos;
  CHECK(named);

  // The SENCO withdraws the link: the page is gone and live edits stop within the recheck.
  const std::string linkId =
      scalar(demo, "SELECT id FROM contribution_link WHERE plan_id=" + std::to_string(plan));
  CHECK(senco.postForm(planPath + "/contributors/" + linkId + "/revoke", {{"csrf", senco.csrf}})
            .status == 303);
  CHECK(parent.get("/c/" + contact.token).status == 410);
  p.errors.clear();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    p.edit("parent_views", ot::insertAt(0, U"late "));
    p.pump(5);
  } while (p.connected() && (p.errors.empty() || p.errors.back() != "read_only") &&
           std::chrono::steady_clock::now() < deadline);
  REQUIRE_FALSE(p.errors.empty());
  CHECK(p.errors.back() == "read_only");
  std::string why;  // the last error frame's message
  for (const auto& f : p.frames)
    if (f->optValue<std::string>("type", "") == "error")
      why = f->optValue<std::string>("message", "");
  // translations/ur.po: "The school has withdrawn this link. Ask the SENCO if …"
  CHECK(why ==
        "اسکول نے یہ لنک واپس لے لیا ہے۔ اگر آپ اب بھی اپنا حصہ لکھنا چاہتے ہیں تو SENCO سے بات "
        "کریں۔");
  LiveClient gone("gone", {});
  int status = 0;
  CHECK_FALSE(gone.connect(demo.server.port(), plan, &status, "/c/" + contact.token + "/live"));
  CHECK(status == 410);
}

namespace {

// The rows of a table in a fresh client's snapshot: (id, location) in order.
std::vector<std::pair<std::string, std::string>> rowsSeen(
    int port, sendflow::engine::Id plan, const std::map<std::string, std::string>& cookies,
    const std::string& field) {
  LiveClient look("look" + std::to_string(std::rand()), cookies);
  REQUIRE(look.connect(port, plan));
  look.pump(3);
  std::vector<std::pair<std::string, std::string>> out;
  auto rows = look.tables[field];
  REQUIRE(rows);
  for (unsigned i = 0; i < rows->size(); ++i) {
    auto r = rows->getObject(i);
    out.emplace_back(r->getValue<std::string>("id"),
                     r->getObject("cells")->optValue<std::string>("location", ""));
  }
  return out;
}

}  // namespace

TEST_CASE("live WebSocket: repeating-table rows added and removed at the same moment are all kept",
          "[web][live][slow]") {
  Demo demo;
  const auto plan = peepDraft(demo);
  const std::string academy = academyOf(demo, plan);
  Client http = demo.signedIn("senco", academy);
  const int port = demo.server.port();
  std::vector<std::unique_ptr<LiveClient>> cs;
  for (const char* id : {"ta", "tb", "tc"}) {
    cs.push_back(std::make_unique<LiveClient>(id, http.cookies()));
    REQUIRE(cs.back()->connect(port, plan));
  }
  pumpAll(cs, 3);
  auto before = rowsSeen(port, plan, http.cookies(), "routes");
  if (before.empty()) {
    cs[0]->send(R"({"type":"row_add","field":"routes","seq":1,"cells":{"location":"Library"}})");
    pumpAll(cs, 5);
    before = rowsSeen(port, plan, http.cookies(), "routes");
  }
  REQUIRE_FALSE(before.empty());
  const std::string victim = before.front().first;
  // Three editors at once, none having heard of the others: two add a row after the same row,
  // the third removes that row.
  cs[0]->send(R"({"type":"row_add","field":"routes","after":")" + victim +
              R"(","seq":5,"cells":{"location":"Hall A"}})");
  cs[1]->send(R"({"type":"row_add","field":"routes","after":")" + victim +
              R"(","seq":5,"cells":{"location":"Hall B"}})");
  cs[2]->send(R"({"type":"row_remove","field":"routes","row":")" + victim + R"(","seq":5})");
  pumpAll(cs, 10);
  auto after = rowsSeen(port, plan, http.cookies(), "routes");
  std::vector<std::string> locations;
  for (auto& [id, loc] : after) {
    CHECK(id != victim);
    locations.push_back(loc);
  }
  CHECK(after.size() == before.size() + 1);
  CHECK(std::count(locations.begin(), locations.end(), "Hall A") == 1);
  CHECK(std::count(locations.begin(), locations.end(), "Hall B") == 1);
  // Everyone heard all three operations (their own as the acknowledgement), in one order.
  std::vector<std::int64_t> order0;
  for (auto& c : cs) {
    std::vector<std::int64_t> order;
    for (auto& f : c->frames) {
      const auto type = f->getValue<std::string>("type");
      if ((type == "row_add" || type == "row_remove") && f->getValue<std::int64_t>("seq") == 5)
        order.push_back(f->getValue<std::int64_t>("revision"));
    }
    CHECK(order.size() == 3);
    if (order0.empty()) order0 = order;
    CHECK(order == order0);
  }
  // Editing a cell of the removed row: refused by name; an unknown column too; nothing changes.
  cs[0]->errors.clear();
  cs[0]->send(R"({"type":"cell","field":"routes","row":")" + victim +
              R"(","column":"location","value":"x","seq":6})");
  cs[0]->send(R"({"type":"cell","field":"routes","row":")" + after.front().first +
              R"(","column":"nope","value":"x","seq":7})");
  cs[0]->pump(5);
  REQUIRE(cs[0]->errors.size() == 2);
  CHECK(cs[0]->errors[0] == "gone");
  CHECK(cs[0]->errors[1] == "unknown_field");
  cs[1]->send(R"({"type":"cell","field":"routes","row":")" + after.front().first +
              R"(","column":"location","value":"Hall C","seq":6})");
  pumpAll(cs, 5);
  CHECK(rowsSeen(port, plan, http.cookies(), "routes").front().second == "Hall C");
  // Two answers to one cell from one cell revision: the later wins, the earlier writer is told.
  // (Hall C above was sent without a cell revision: if that row was cs[0]'s, cs[0] was told.)
  cs[0]->notices.clear();
  cs[1]->notices.clear();
  cs[0]->send(R"({"type":"cell","field":"routes","row":")" + after.front().first +
              R"(","column":"location","value":"Hall D","cellRevision":0,"seq":8})");
  pumpAll(cs, 5);
  REQUIRE_FALSE(cs[1]->notices.empty());
  CHECK(cs[1]->notices.back()->getValue<std::string>("lost") == "Hall C");
  CHECK(cs[1]->notices.back()->getValue<std::string>("row") == after.front().first);
  CHECK(cs[1]->notices.back()->getValue<std::string>("column") == "location");
  CHECK(cs[0]->notices.empty());

  // Acknowledged row operations survive a restart, and become the plan's next version.
  for (auto& c : cs) c->drop();
  demo.server.stop();
  demo.server.start();
  auto restarted =
      rowsSeen(demo.server.port(), plan, demo.signedIn("senco", academy).cookies(), "routes");
  REQUIRE(restarted.size() == after.size());
  for (std::size_t i = 0; i < after.size(); ++i)
    CHECK(restarted[i].second == (i == 0 ? "Hall D" : after[i].second));
  const std::string saved =
      scalar(demo, "SELECT values_json FROM plan_version WHERE plan_id=" + std::to_string(plan) +
                       " ORDER BY number DESC LIMIT 1");
  INFO(saved);
  CHECK(saved.find(after[1].second) != std::string::npos);  // the other new row, as added
  CHECK(saved.find("Hall D") != std::string::npos);
  CHECK(saved.find("Hall C") == std::string::npos);
}

TEST_CASE(
    "live WebSocket: a version saved by a form post reaches live editors without anyone typing",
    "[web][live][slow]") {
  Demo demo;
  const auto plan = draftPlan(demo);
  Client http = demo.senco();
  LiveClient watcher("watch", http.cookies());
  REQUIRE(watcher.connect(demo.server.port(), plan));
  watcher.pump(3);
  const std::string field = watcher.firstTextField();
  REQUIRE_FALSE(field.empty());
  // Someone without JavaScript saves the plan by a plain form post.
  auto page = http.get("/plans/" + std::to_string(plan));
  auto saved = http.postForm("/plans/" + std::to_string(plan),
                             {{"csrf", http.csrf},
                              {"base_version", Client::hiddenValue(page.body, "base_version")},
                              {"f." + field, "Saved from a form without JavaScript."}});
  REQUIRE(saved.status == 303);
  for (int i = 0; i < 40 && watcher.text(field) != U"Saved from a form without JavaScript."; ++i)
    watcher.pump(5);
  CHECK(watcher.text(field) == U"Saved from a form without JavaScript.");
  // An edit the page made before that snapshot reached it (it names the version of the page's
  // last snapshot) is a conflict, not a reason to make the page read-only: the page stays
  // editable and its next edit, on the new version, is saved.
  std::vector<int> versions;
  for (const auto& f : watcher.frames)
    if (f->getValue<std::string>("type") == "snapshot")
      versions.push_back(f->getValue<int>("version"));
  REQUIRE(versions.size() >= 2);
  REQUIRE(versions.front() < versions.back());
  watcher.send(R"({"type":"op","field":")" + field + R"(","revision":)" +
               std::to_string(watcher.revision()) + R"(,"seq":1000,"version":)" +
               std::to_string(versions.front()) + R"(,"op":["Typed before the save. "]})");
  for (int i = 0; i < 40 && watcher.errors.empty(); ++i) watcher.pump();
  REQUIRE(watcher.errors.size() == 1);
  CHECK(watcher.errors.back() == "conflict");
  CHECK(watcher.editable);
  watcher.edit(field, ot::insertAt(0, U"Typed after it. "));
  for (int i = 0; i < 100 && !watcher.settled(); ++i) watcher.pump();
  CHECK(watcher.errors.size() == 1);
  CHECK(watcher.acked.count(1) == 1);
  CHECK(watcher.text(field) == U"Typed after it. Saved from a form without JavaScript.");
  // And a newcomer is shown it, not the session's older base.
  LiveClient late("late", http.cookies());
  REQUIRE(late.connect(demo.server.port(), plan));
  late.pump(3);
  CHECK(late.text(field) == U"Typed after it. Saved from a form without JavaScript.");
}

TEST_CASE(
    "live WebSocket: with 300 idle keep-alive connections and 50 editors typing, a fresh request "
    "is still answered",
    "[web][live][http][slow]") {
  sendflow::testing::raiseOpenFilesLimit();
  Demo demo;
  const auto plan = draftPlan(demo);
  const int port = demo.server.port();
  std::vector<std::unique_ptr<sendflow::testing::RawSocket>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<sendflow::testing::RawSocket>(port));
    REQUIRE(idle.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  for (auto& c : idle) REQUIRE(sendflow::testing::statusOf(c->readResponse()) == 200);
  Client http = demo.senco();
  std::vector<std::unique_ptr<LiveClient>> cs;
  for (int i = 0; i < 50; ++i) {
    cs.push_back(std::make_unique<LiveClient>("e" + std::to_string(i), http.cookies()));
    REQUIRE(cs.back()->connect(port, plan));
  }
  pumpAll(cs, 2);
  const std::string field = cs[0]->firstTextField();
  REQUIRE_FALSE(field.empty());

  // The editors type (each op committed before it is relayed) while fresh requests come in.
  std::atomic<bool> stop{false};
  std::thread typing([&] {
    std::mt19937 rng(5);
    char32_t next = 0x10000;
    while (!stop) {
      for (auto& c : cs) c->insertUnique(field, rng, uniqueText(next, 1));
      pumpAll(cs);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  for (int i = 0; i < 5; ++i) {
    sendflow::testing::RawSocket fresh(port, "127.0.0.2");
    REQUIRE(fresh.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(sendflow::testing::statusOf(fresh.readResponse(std::chrono::milliseconds(10000))) == 200);
    CHECK(http.get("/api/v1/plans/" + std::to_string(plan)).status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop = true;
  typing.join();
  settle(cs);
  for (auto& c : cs) {
    CHECK(c->errors.empty());
    CHECK(c->text(field) == cs[0]->text(field));
  }
}
