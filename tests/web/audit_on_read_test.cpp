// Audit on read: every route of the server's table that returns pupil data, walked once, records
// exactly one audit event naming the door it came through (docs/security.md, "What is audited on
// read"); so do the CLI's `render` and the live sockets' snapshots. A route that shows pupil data
// and has no row here fails the test.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/WebSocket.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

std::string text(const std::string& db, const std::string& sql) {
  storage::Database d(db);
  storage::Statement st(d, sql);
  REQUIRE(st.step());
  return st.getText(0);
}

int64_t scalar(const std::string& db, const std::string& sql) {
  storage::Database d(db);
  storage::Statement st(d, sql);
  REQUIRE(st.step());
  return st.getInt(0);
}

struct Read {
  std::string action, detail;
};

// The read events (those naming a door) after event `after`.
std::vector<Read> readsAfter(const std::string& db, int64_t after) {
  storage::Database d(db);
  storage::Statement st(d,
                        "SELECT action, detail FROM audit_event WHERE id>? AND detail LIKE "
                        "'%\"door\":%' ORDER BY id");
  st.bind(1, after);
  std::vector<Read> out;
  while (st.step()) out.push_back({st.getText(0), st.getText(1)});
  return out;
}

int64_t lastEvent(const std::string& db) {
  return scalar(db, "SELECT COALESCE(MAX(id), 0) FROM audit_event");
}

// Opens a live socket (staff: with the client's cookies); returns the handshake's status.
int openSocket(int port, const std::string& path, const std::map<std::string, std::string>& jar) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path,
                             Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::NameValueCollection cookies;
  for (const auto& [k, v] : jar) cookies.add(k, v);
  req.setCookies(cookies);
  Poco::Net::HTTPResponse res;
  try {
    Poco::Net::WebSocket ws(session, req, res);
    ws.setReceiveTimeout(Poco::Timespan(5, 0));
    char buf[65536];
    int flags = 0;
    ws.receiveFrame(buf, sizeof buf, flags);  // the snapshot
    ws.shutdown();
    return 101;
  } catch (const Poco::Exception&) {
    return static_cast<int>(res.getStatus());
  }
}

struct Row {
  std::string method, pattern;  // as the route table has it
  std::string path;
  std::string action;  // the one read event expected; "" for a route that shows no pupil data
  std::string door;
  bool socket = false;
  bool staff = true;  // with the SENCO's session
};

}  // namespace

TEST_CASE("Every route that returns pupil data records exactly one audit event with its door",
          "[web][audit][slow]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  const std::string O = std::to_string(demo.firstAcademy());
  const std::string P = std::to_string(demo.ownPupils.front());
  const std::string C =
      std::to_string(scalar(db, "SELECT id FROM contact WHERE pupil_id=" + P + " LIMIT 1"));
  const std::string D = std::to_string(
      scalar(db, "SELECT id FROM plan WHERE academy_id=" + O +
                     " AND type='risk_assessment' AND state='draft' ORDER BY id LIMIT 1"));
  const std::string A = std::to_string(scalar(
      db, "SELECT p.id FROM plan p JOIN sealed_document s ON s.plan_id=p.id WHERE p.academy_id=" +
              O + " ORDER BY p.id LIMIT 1"));
  const std::string S =
      std::to_string(scalar(db, "SELECT id FROM plan WHERE academy_id=" + O +
                                    " AND state='awaiting_signatures' ORDER BY id LIMIT 1"));
  const std::string R = std::to_string(
      scalar(db, "SELECT id FROM signature_request WHERE plan_id=" + S +
                     " AND person_ref='user:" + std::to_string(demo.userId("senco")) +
                     "' AND state IN ('invited','opened') LIMIT 1"));
  // A contact's link to a signed, sealed plan (the server's key turns its salt into the token).
  std::ifstream keyFile(demo.server.home() + "/keys/link.key", std::ios::binary);
  const std::string key((std::istreambuf_iterator<char>(keyFile)), {});
  const std::string salt =
      text(db,
           "SELECT r.link_salt FROM signature_request r JOIN sealed_document s ON "
           "s.plan_id=r.plan_id AND s.version=r.version WHERE r.state='signed' AND "
           "r.person_ref LIKE 'contact:%' AND r.link_salt<>'' LIMIT 1");
  {  // the demo signed it years ago: its link would have expired by now
    storage::Database d(db);
    d.exec(
        "UPDATE signature_request SET expires_at='2999' || substr(expires_at, 5) WHERE "
        "link_salt='" +
        salt + "'");
  }
  const std::string T = engine::signerLinkToken(key, salt);
  std::string K;  // a contribution link's token
  auto plans = demo.data->getArray("plans");
  for (size_t i = 0; K.empty() && i < plans->size(); ++i) {
    auto links = plans->getObject(static_cast<unsigned>(i))->getArray("contribution_links");
    if (!links || links->size() == 0) continue;
    const std::string link = links->getObject(0)->getValue<std::string>("link");
    K = link.substr(link.rfind("/c/") + 3);
  }
  REQUIRE_FALSE(K.empty());

  const std::vector<Row> rows = {
      // Pupils and contacts.
      {"GET", "/", "/", "pupil.list", "page"},
      {"GET", "/pupils/new", "/pupils/new?academy=" + O, "", ""},
      {"GET", "/pupils/{id}", "/pupils/" + P, "pupil.view", "page"},
      {"GET", "/pupils/{id}/edit", "/pupils/" + P + "/edit", "pupil.view", "page"},
      {"GET", "/contacts/{id}/edit", "/contacts/" + C + "/edit", "contact.view", "page"},
      {"GET", "/api/v1/pupils", "/api/v1/pupils", "pupil.list", "api"},
      {"GET", "/api/v1/pupils/{id}", "/api/v1/pupils/" + P, "pupil.view", "api"},
      // Plans: the page, an older version, history, diff, the live snapshot, the API.
      {"GET", "/plans/{id}", "/plans/" + D, "plan.view", "page"},
      {"GET", "/plans/{id}", "/plans/" + D + "?version=1", "plan.view", "page"},
      {"GET", "/plans/{id}/history", "/plans/" + D + "/history", "plan.history", "page"},
      {"GET", "/plans/{id}/diff", "/plans/" + D + "/diff?from=1&to=1", "plan.diff", "page"},
      {"GET", "/plans/{id}/live", "/plans/" + D + "/live", "plan.view", "live", true},
      {"GET", "/api/v1/plans", "/api/v1/plans", "plan.list", "api"},
      {"GET", "/api/v1/plans/{id}", "/api/v1/plans/" + D, "plan.view", "api"},
      {"GET", "/api/v1/plans/{id}/versions", "/api/v1/plans/" + D + "/versions", "plan.history",
       "api"},
      // Documents, the audit trail, signing.
      {"GET", "/plans/{id}/pdf", "/plans/" + D + "/pdf", "plan.pdf_download", "pdf"},
      {"GET", "/plans/{id}/sealed.pdf", "/plans/" + A + "/sealed.pdf", "plan.pdf_download", "pdf"},
      {"GET", "/plans/{id}/audit", "/plans/" + A + "/audit", "plan.audit_view", "page"},
      {"GET", "/plans/{id}/sign/{request}", "/plans/" + S + "/sign/" + R, "plan.view", "page"},
      {"GET", "/plans/{id}/sign/{request}/pdf", "/plans/" + S + "/sign/" + R + "/pdf",
       "plan.pdf_download", "pdf"},
      // The signer's and the contributor's links.
      {"GET", "/s/{token}", "/s/" + T, "plan.view", "signer_link", false, false},
      {"GET", "/s/{token}/pdf", "/s/" + T + "/pdf", "plan.pdf_download", "signer_link", false,
       false},
      {"GET", "/s/{token}/sealed.pdf", "/s/" + T + "/sealed.pdf", "plan.pdf_download",
       "signer_link", false, false},
      {"GET", "/s/{token}/review", "/s/" + T + "/review", "plan.view", "signer_link", false, false},
      {"GET", "/c/{token}", "/c/" + K, "plan.view", "contributor_link", false, false},
      {"GET", "/c/{token}/live", "/c/" + K + "/live", "plan.view", "contributor_link", true, false},
  };

  // Every GET route that may show pupil data has a row: the actions that read a pupil, a
  // contact or a plan, the home page (its pupil list) and the links' public pages.
  const std::set<std::string> reading = {"view_pupil",   "manage_pupil", "view_plan",
                                         "download_pdf", "view_audit",   "sign"};
  auto listed = demo.server.run({"routes"});
  REQUIRE(listed.exitCode == 0);
  std::set<std::string> walked;
  for (const auto& r : rows) walked.insert(r.method + " " + r.pattern);
  std::istringstream lines(listed.out);
  int shown = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string method, pattern, access, action;
    words >> method >> pattern >> access >> action;
    if (method != "GET") continue;
    const bool link = pattern.rfind("/s/", 0) == 0 || pattern.rfind("/c/", 0) == 0;
    if (!reading.count(action) && !link && pattern != "/") continue;
    ++shown;
    INFO("a route that returns pupil data without a row: " << method << " " << pattern);
    CHECK(walked.count(method + " " + pattern) == 1);
  }
  CHECK(shown >= 20);

  Client senco = demo.senco();
  Client visitor = demo.server.client();
  // Links opened once before: the first opening is the link's own event (…opened).
  REQUIRE(visitor.get("/c/" + K).status == 200);
  REQUIRE(senco.get("/plans/" + S + "/sign/" + R).status == 200);

  for (const auto& r : rows) {
    INFO(r.method << " " << r.path);
    const int64_t before = lastEvent(db);
    int status = 0;
    if (r.socket) {
      status = openSocket(demo.server.port(), r.path,
                          r.staff ? senco.cookies() : std::map<std::string, std::string>{});
      CHECK(status == 101);
    } else {
      status = (r.staff ? senco : visitor).get(r.path).status;
      CHECK(status == 200);
    }
    auto reads = readsAfter(db, before);
    if (r.action.empty()) {
      CHECK(reads.empty());
      continue;
    }
    CHECK(reads.size() == 1);
    if (reads.size() != 1) continue;
    CHECK(reads[0].action == r.action);
    CHECK(reads[0].detail.find("\"door\":\"" + r.door + "\"") != std::string::npos);
  }

  // A refused read records nothing: another academy's SENCO asking for this plan.
  {
    Client other = demo.signedIn("senco", Demo::kHill);
    const int64_t before = lastEvent(db);
    CHECK(other.get("/api/v1/plans/" + D).status == 404);
    CHECK(readsAfter(db, before).empty());
  }

  // The CLI prints a plan as a PDF: one read, door cli, by the operator.
  {
    const int64_t before = lastEvent(db);
    const std::string out = demo.server.home() + "/plan.pdf";
    auto r = demo.server.run({"render", "--plan", D, "--out", out});
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    auto reads = readsAfter(db, before);
    REQUIRE(reads.size() == 1);
    CHECK(reads[0].action == "plan.pdf_download");
    CHECK(reads[0].detail.find("\"door\":\"cli\"") != std::string::npos);
    CHECK(text(db, "SELECT actor FROM audit_event ORDER BY id DESC LIMIT 1") == "system:cli");
  }
}
