// The role table walked over every route: each route of the server's route table, for every role
// of the demo trust's first academy, another academy's SENCO and governor, and no session, against
// an expected status per cell; and the cells agree with the role table in docs/security.md (which
// tests/engine/access_test.cpp ties to the engine's). Also: teachers see no signer's IP address.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "sendflow/storage/database.h"
#include "support/demo.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

// Identities, in column order. "x_" = the same role at the other academy.
const std::vector<std::string> kWho = {"anon",     "senco", "staff",   "head",
                                       "governor", "admin", "x_senco", "x_governor"};

struct Cell {
  std::string method, pattern;  // as the route table has it
  std::string path;             // with the demo's ids
  std::string body;             // form fields (urlencoded) or JSON
  bool json = false;
  std::string expected;  // "anon=303 senco=200 …" (every identity once)
  bool endsSession = false;
};

std::map<std::string, int> parseExpected(const std::string& s) {
  std::map<std::string, int> out;
  std::istringstream in(s);
  for (std::string item; in >> item;) {
    auto eq = item.find('=');
    out[item.substr(0, eq)] = std::stoi(item.substr(eq + 1));
  }
  return out;
}

// "anon=… senco=… …": the expected status of each identity, in kWho's order.
std::string row(const std::string& anon, const std::string& senco, const std::string& staff,
                const std::string& head, const std::string& governor, const std::string& admin,
                const std::string& xSenco, const std::string& xGovernor) {
  return "anon=" + anon + " senco=" + senco + " staff=" + staff + " head=" + head +
         " governor=" + governor + " admin=" + admin + " x_senco=" + xSenco +
         " x_governor=" + xGovernor;
}

std::string form(const std::map<std::string, std::string>& fields) {
  Poco::Net::HTMLForm f;
  for (auto& [k, v] : fields) f.set(k, v);
  std::ostringstream out;
  f.write(out);
  return out.str();
}

int64_t scalar(const std::string& db, const std::string& sql) {
  storage::Database d(db);
  storage::Statement st(d, sql);
  REQUIRE(st.step());
  return st.getInt(0);
}

// The role table of docs/security.md: action -> role -> yes.
std::map<std::string, std::map<std::string, bool>> docsTable() {
  std::ifstream in(std::string(SENDFLOW_SOURCE_ROOT) + "/docs/security.md");
  REQUIRE(in);
  std::map<std::string, std::map<std::string, bool>> out;
  std::vector<std::string> columns;
  bool inSection = false;  // "## Who may do what" only: other sections have tables too
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) inSection = line == "## Who may do what";
    if (!inSection) continue;
    if (line.rfind("| action |", 0) == 0) {
      std::istringstream cells(line);
      for (std::string c; std::getline(cells, c, '|');) {
        c.erase(0, c.find_first_not_of(' '));
        c.erase(c.find_last_not_of(' ') + 1);
        columns.push_back(c);
      }
      continue;
    }
    if (line.rfind("| `", 0) != 0) continue;
    std::istringstream cells(line);
    std::vector<std::string> values;
    for (std::string c; std::getline(cells, c, '|');) {
      c.erase(0, c.find_first_not_of(' '));
      c.erase(c.find_last_not_of(' ') + 1);
      values.push_back(c);
    }
    REQUIRE(values.size() == columns.size());
    std::string action = values[1].substr(1, values[1].size() - 2);
    for (size_t i = 4; i < values.size(); ++i) out[action][columns[i]] = values[i] == "yes";
  }
  return out;
}

}  // namespace

TEST_CASE("Every route answers every role as the role table says", "[web][access][slow]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  const int64_t oak = demo.firstAcademy();
  const std::string O = std::to_string(oak);
  const int64_t pupil = demo.ownPupils.front();
  const std::string P = std::to_string(pupil);
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
  const std::string sencoRef = "user:" + std::to_string(demo.userId("senco"));
  const std::string R = std::to_string(
      scalar(db, "SELECT id FROM signature_request WHERE plan_id=" + S + " AND person_ref='" +
                     sencoRef + "' AND state IN ('invited','opened') LIMIT 1"));
  const std::string L = std::to_string(scalar(
      db, "SELECT l.id FROM contribution_link l JOIN plan p ON p.id=l.plan_id WHERE p.academy_id=" +
              O + " LIMIT 1"));
  const std::string LP =
      std::to_string(scalar(db, "SELECT plan_id FROM contribution_link WHERE id=" + L));
  const std::string M = std::to_string(
      scalar(db, "SELECT id FROM outbox WHERE status<>'failed' AND status<>'retrying' LIMIT 1"));
  const std::string U = std::to_string(demo.userId("staff"));
  const std::string bogus(43, 'A');

  // What each refusal looks like: a page without a session goes to the login page (303); the
  // API and every state change answer 401.
  std::vector<Cell> cells = {
      // Public routes: the same for everyone (token-scoped by their services).
      {"GET", "/login", "/login", "", false,
       row("200", "200", "200", "200", "200", "200", "200", "200")},
      {"POST", "/login", "/login", form({{"email", "x@y.z"}}), false,
       row("403", "403", "403", "403", "403", "403", "403", "403")},
      {"GET", "/healthz", "/healthz", "", false,
       row("200", "200", "200", "200", "200", "200", "200", "200")},
      // Prometheus scrapes from the machine itself (or with the metrics token): no session.
      {"GET", "/metrics", "/metrics", "", false,
       row("200", "200", "200", "200", "200", "200", "200", "200")},
      {"GET", "/static/{file}", "/static/app.css", "", false,
       row("200", "200", "200", "200", "200", "200", "200", "200")},
      {"POST", "/api/v1/session", "/api/v1/session", "{}", true,
       row("401", "401", "401", "401", "401", "401", "401", "401")},
      {"GET", "/s/{token}", "/s/" + bogus, "", false,
       row("404", "404", "404", "404", "404", "404", "404", "404")},
      {"POST", "/s/{token}/sign", "/s/" + bogus + "/sign", form({}), false,
       row("403", "403", "403", "403", "403", "403", "403", "403")},
      {"POST", "/s/{token}/decline", "/s/" + bogus + "/decline", form({}), false,
       row("403", "403", "403", "403", "403", "403", "403", "403")},
      {"POST", "/s/{token}/code", "/s/" + bogus + "/code", form({}), false,
       row("403", "403", "403", "403", "403", "403", "403", "403")},
      {"GET", "/s/{token}/pdf", "/s/" + bogus + "/pdf", "", false,
       row("404", "404", "404", "404", "404", "404", "404", "404")},
      {"GET", "/s/{token}/sealed.pdf", "/s/" + bogus + "/sealed.pdf", "", false,
       row("404", "404", "404", "404", "404", "404", "404", "404")},
      {"GET", "/s/{token}/review", "/s/" + bogus + "/review", "", false,
       row("404", "404", "404", "404", "404", "404", "404", "404")},
      {"POST", "/s/{token}/review", "/s/" + bogus + "/review", form({}), false,
       row("403", "403", "403", "403", "403", "403", "403", "403")},
      {"GET", "/c/{token}", "/c/" + bogus, "", false,
       row("404", "404", "404", "404", "404", "404", "404", "404")},
      {"POST", "/c/{token}", "/c/" + bogus, form({}), false,
       row("403", "403", "403", "403", "403", "403", "403", "403")},
      {"GET", "/c/{token}/live", "/c/" + bogus + "/live", "", false,
       row("404", "404", "404", "404", "404", "404", "404", "404")},

      // Home and oversight.
      {"GET", "/", "/", "", false, row("303", "200", "200", "200", "303", "200", "200", "303")},
      {"GET", "/governor", "/governor", "", false,
       row("303", "200", "403", "200", "200", "200", "200", "200")},

      // Pupils and contacts (view_pupil, manage_pupil).
      {"GET", "/pupils/new", "/pupils/new?academy=" + O, "", false,
       row("303", "200", "403", "403", "404", "200", "404", "404")},
      {"POST", "/pupils", "/pupils", form({{"academy_id", O}, {"legal_name", ""}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"GET", "/pupils/{id}", "/pupils/" + P, "", false,
       row("303", "200", "200", "200", "404", "200", "404", "404")},
      {"GET", "/pupils/{id}/edit", "/pupils/" + P + "/edit", "", false,
       row("303", "200", "403", "403", "404", "200", "404", "404")},
      {"POST", "/pupils/{id}", "/pupils/" + P, form({{"legal_name", ""}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"POST", "/pupils/{id}/contacts", "/pupils/" + P + "/contacts", form({{"name", ""}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"GET", "/contacts/{id}/edit", "/contacts/" + C + "/edit", "", false,
       row("303", "200", "403", "403", "404", "200", "404", "404")},
      {"POST", "/contacts/{id}", "/contacts/" + C, form({{"name", ""}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      // The whole file (export_records) and who read it (view_reads).
      {"GET", "/pupils/{id}/export", "/pupils/" + P + "/export", "", false,
       row("303", "200", "403", "403", "404", "200", "404", "404")},
      {"POST", "/pupils/{id}/transfer", "/pupils/" + P + "/transfer", "", false,
       row("401", "200", "403", "403", "404", "200", "404", "404")},
      {"GET", "/contacts/{id}/export", "/contacts/" + C + "/export", "", false,
       row("303", "200", "403", "403", "404", "200", "404", "404")},
      {"GET", "/pupils/{id}/reads", "/pupils/" + P + "/reads", "", false,
       row("303", "403", "403", "403", "404", "200", "403", "404")},
      {"GET", "/api/v1/pupils", "/api/v1/pupils", "", false,
       row("401", "200", "200", "200", "404", "200", "200", "404")},
      {"POST", "/api/v1/pupils", "/api/v1/pupils", "{\"academy_id\":" + O + ",\"legal_name\":\"\"}",
       true, row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"GET", "/api/v1/pupils/{id}", "/api/v1/pupils/" + P, "", false,
       row("401", "200", "200", "200", "404", "200", "404", "404")},
      {"PATCH", "/api/v1/pupils/{id}", "/api/v1/pupils/" + P, "{\"legal_name\":\"\"}", true,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"POST", "/api/v1/pupils/{id}/contacts", "/api/v1/pupils/" + P + "/contacts",
       "{\"name\":\"\"}", true, row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"PATCH", "/api/v1/contacts/{id}", "/api/v1/contacts/" + C, "{\"name\":\"\"}", true,
       row("401", "422", "403", "403", "404", "422", "404", "404")},

      // Plans (view_plan, edit_plan, launch_plan, manage_signers, manage_contributors).
      {"POST", "/plans", "/plans", form({{"pupil_id", P}, {"type", "no_such_type"}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"GET", "/plans/{id}", "/plans/" + D, "", false,
       row("303", "200", "200", "200", "404", "200", "404", "404")},
      {"POST", "/plans/{id}", "/plans/" + D, form({}), false,
       row("401", "400", "400", "400", "404", "400", "404", "404")},
      {"POST", "/plans/{id}/transitions/{name}", "/plans/" + D + "/transitions/trigger_review",
       form({}), false, row("401", "409", "409", "409", "404", "403", "404", "404")},
      {"POST", "/plans/{id}/signers", "/plans/" + D + "/signers",
       form({{"slot", "head"}, {"person", "user:999999"}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"POST", "/plans/{id}/contributors", "/plans/" + D + "/contributors",
       form({{"contact", "999999"}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"POST", "/plans/{id}/contributors/{link}/revoke",
       "/plans/" + LP + "/contributors/" + L + "/revoke", form({}), false,
       row("401", "303", "403", "403", "404", "303", "404", "404")},
      {"GET", "/plans/{id}/history", "/plans/" + D + "/history", "", false,
       row("303", "200", "200", "200", "404", "200", "404", "404")},
      {"GET", "/plans/{id}/diff", "/plans/" + D + "/diff?from=1&to=1", "", false,
       row("303", "200", "200", "200", "404", "200", "404", "404")},
      {"GET", "/plans/{id}/live", "/plans/" + D + "/live", "", false,
       row("303", "400", "400", "400", "404", "400", "404", "404")},
      {"GET", "/api/v1/plans", "/api/v1/plans", "", false,
       row("401", "200", "200", "200", "404", "200", "200", "404")},
      {"POST", "/api/v1/plans", "/api/v1/plans",
       "{\"pupil_id\":" + P + ",\"type\":\"no_such_type\"}", true,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"GET", "/api/v1/plans/{id}", "/api/v1/plans/" + D, "", false,
       row("401", "200", "200", "200", "404", "200", "404", "404")},
      {"PATCH", "/api/v1/plans/{id}", "/api/v1/plans/" + D,
       "{\"base_version\":999999,\"values\":{}}", true,
       row("401", "409", "409", "409", "404", "409", "404", "404")},
      {"GET", "/api/v1/plans/{id}/versions", "/api/v1/plans/" + D + "/versions", "", false,
       row("401", "200", "200", "200", "404", "200", "404", "404")},
      {"POST", "/api/v1/plans/{id}/transitions/{name}",
       "/api/v1/plans/" + D + "/transitions/trigger_review", "", true,
       row("401", "409", "409", "409", "404", "403", "404", "404")},
      {"PUT", "/api/v1/plans/{id}/signers/{slot}", "/api/v1/plans/" + D + "/signers/head",
       "{\"people\":[\"user:999999\"]}", true,
       row("401", "422", "403", "403", "404", "422", "404", "404")},

      // Documents, audit, signing (download_pdf, view_audit, sign, manage_signers).
      {"GET", "/plans/{id}/pdf", "/plans/" + D + "/pdf", "", false,
       row("303", "200", "200", "200", "404", "200", "404", "404")},
      {"GET", "/plans/{id}/sealed.pdf", "/plans/" + A + "/sealed.pdf", "", false,
       row("303", "200", "200", "200", "404", "200", "404", "404")},
      {"GET", "/plans/{id}/audit", "/plans/" + A + "/audit", "", false,
       row("303", "200", "200", "200", "404", "200", "404", "404")},
      {"GET", "/plans/{id}/sign/{request}", "/plans/" + S + "/sign/" + R, "", false,
       row("303", "200", "404", "404", "404", "404", "404", "404")},
      {"POST", "/plans/{id}/sign/{request}/sign", "/plans/" + S + "/sign/" + R + "/sign",
       form({{"method", "typed"}}), false,
       row("401", "422", "404", "404", "404", "404", "404", "404")},
      {"POST", "/plans/{id}/sign/{request}/decline", "/plans/" + S + "/sign/" + R + "/decline",
       form({{"reason", ""}}), false, row("401", "422", "404", "404", "404", "404", "404", "404")},
      {"GET", "/plans/{id}/sign/{request}/pdf", "/plans/" + S + "/sign/" + R + "/pdf", "", false,
       row("303", "200", "404", "404", "404", "404", "404", "404")},
      {"POST", "/plans/{id}/signers/{request}/replace",
       "/plans/" + S + "/signers/" + R + "/replace", form({{"person", "user:999999"}}), false,
       row("401", "422", "403", "403", "404", "422", "404", "404")},
      {"POST", "/plans/{id}/signers/{request}/renew", "/plans/" + S + "/signers/" + R + "/renew",
       form({}), false, row("401", "303", "403", "403", "404", "303", "404", "404")},

      // Trust-wide administration (manage_users, manage_mail).
      {"GET", "/admin/users", "/admin/users", "", false,
       row("303", "403", "403", "403", "403", "200", "403", "403")},
      {"GET", "/admin/retention", "/admin/retention", "", false,
       row("303", "403", "403", "403", "403", "200", "403", "403")},
      {"POST", "/admin/retention/{id}/erase", "/admin/retention/" + P + "/erase", "", false,
       row("401", "403", "403", "403", "403", "409", "403", "403")},
      {"GET", "/admin/users/new", "/admin/users/new", "", false,
       row("303", "403", "403", "403", "403", "200", "403", "403")},
      {"POST", "/admin/users", "/admin/users", form({{"email", ""}}), false,
       row("401", "403", "403", "403", "403", "422", "403", "403")},
      {"GET", "/admin/users/{id}", "/admin/users/" + U, "", false,
       row("303", "403", "403", "403", "403", "200", "403", "403")},
      {"POST", "/admin/users/{id}", "/admin/users/" + U, form({{"email", ""}}), false,
       row("401", "403", "403", "403", "403", "422", "403", "403")},
      {"GET", "/admin/mail", "/admin/mail", "", false,
       row("303", "403", "403", "403", "403", "200", "403", "403")},
      {"POST", "/admin/mail/test", "/admin/mail/test", form({{"to", "not an address"}}), false,
       row("401", "403", "403", "403", "403", "422", "403", "403")},
      {"POST", "/admin/mail/{id}/retry", "/admin/mail/" + M + "/retry", form({}), false,
       row("401", "403", "403", "403", "403", "409", "403", "403")},
      {"POST", "/admin/mail/{id}/resend", "/admin/mail/" + M + "/resend", form({}), false,
       row("401", "403", "403", "403", "403", "409", "403", "403")},

      // One's own password: every signed-in role (an empty form is refused: 422).
      {"GET", "/account/password", "/account/password", "", false,
       row("303", "200", "200", "200", "200", "200", "200", "200")},
      {"POST", "/account/password", "/account/password", form({}), false,
       row("401", "422", "422", "422", "422", "422", "422", "422")},

      // Ending a session: every signed-in role may (signed in again after).
      {"POST", "/logout", "/logout", form({}), false,
       row("401", "303", "303", "303", "303", "303", "303", "303"), true},
      {"DELETE", "/api/v1/session", "/api/v1/session", "", true,
       row("401", "200", "200", "200", "200", "200", "200", "200"), true},
  };

  // Every route of the server's table has exactly one cell row, and no row names a route the
  // server does not have. Also collects the action each route declares.
  std::map<std::string, std::string> actionOf;  // "GET /plans/{id}" -> "view_plan" or "-"
  auto listed = demo.server.run({"routes"});
  if (listed.exitCode == 0) {
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string method, pattern, access, action;
      words >> method >> pattern >> access >> action;
      actionOf[method + " " + pattern] = action;
    }
  }
  std::set<std::string> walked;
  for (const auto& c : cells) walked.insert(c.method + " " + c.pattern);
  CHECK(walked.size() == cells.size());
  for (const auto& [route, action] : actionOf) {
    INFO("route without an expected row: " << route);
    CHECK(walked.count(route) == 1);
  }
  for (const auto& route : walked) {
    INFO("row for a route the server does not list: " << route);
    CHECK(actionOf.count(route) == 1);
  }

  // Sign everyone in.
  std::map<std::string, Client> clients;
  auto signIn = [&](const std::string& who) {
    if (who == "anon") return demo.server.client();
    static const std::map<std::string, std::pair<std::string, std::string>> account = {
        {"senco", {"senco", Demo::kOak}},         {"staff", {"staff", Demo::kOak}},
        {"head", {"head", Demo::kOak}},           {"governor", {"governor", Demo::kOak}},
        {"admin", {"trust_admin", ""}},           {"x_senco", {"senco", Demo::kHill}},
        {"x_governor", {"governor", Demo::kHill}}};
    const auto& [role, academy] = account.at(who);
    Client c = demo.server.client();
    auto& [email, password] = demo.logins.at(role + "@" + academy);
    REQUIRE(c.login(email, password).status == 303);
    REQUIRE_FALSE(c.csrf.empty());
    return c;
  };
  for (const auto& who : kWho) clients.emplace(who, signIn(who));

  // The walk.
  auto table = docsTable();
  REQUIRE(table.size() >= 10);
  const std::map<std::string, std::string> roleOf = {{"senco", "senco"},
                                                     {"staff", "staff"},
                                                     {"head", "head"},
                                                     {"governor", "governor"},
                                                     {"admin", "trust_admin"}};
  int mismatches = 0;
  std::string report;
  for (const auto& cell : cells) {
    auto expected = parseExpected(cell.expected);
    REQUIRE(expected.size() == kWho.size());
    for (const auto& who : kWho) {
      Client& c = clients.at(who);
      std::map<std::string, std::string> headers;
      if (cell.method != "GET" && !c.csrf.empty()) headers["X-CSRF-Token"] = c.csrf;
      if (cell.pattern.rfind("/s/", 0) == 0 || cell.pattern.rfind("/c/", 0) == 0 ||
          cell.pattern == "/login")
        headers.clear();  // public forms: no session token (their own CSRF cookie is absent)
      const std::string type = cell.method == "GET" || cell.method == "DELETE" ? ""
                               : cell.json                                     ? "application/json"
                                           : "application/x-www-form-urlencoded";
      std::string body = cell.body;
      if (cell.pattern == "/api/v1/session" &&
          cell.method == "POST")  // a wrong login, one per identity
        body = "{\"email\":\"" + who + "@nowhere.test\",\"password\":\"not the password\"}";
      auto r = c.request(cell.method, cell.path, body, type, headers);
      const int want = expected.at(who);
      if (r.status != want) {
        ++mismatches;
        report += cell.method + " " + cell.pattern + " as " + who + ": expected " +
                  std::to_string(want) + ", got " + std::to_string(r.status) + "\n";
      }
      // The table says the same: a role it allows is never refused; one it does not allow always
      // is.
      auto action = actionOf.find(cell.method + " " + cell.pattern);
      if (roleOf.count(who) && action != actionOf.end() && action->second != "-" &&
          table.count(action->second) && cell.pattern.find("/sign/") == std::string::npos &&
          cell.pattern.find("/transitions/") == std::string::npos) {
        // (Signing pages open only the actor's own request; the workflow names who fires which
        // transition: both narrow what the table allows, checked cell by cell above.)
        const bool allowed = table[action->second][roleOf.at(who)];
        const bool refused = want == 401 || want == 403 || want == 404;
        INFO(cell.method << " " << cell.pattern << " as " << who << " (" << action->second << ")");
        CHECK(allowed == !refused);
      }
      if (cell.endsSession && who != "anon") clients.at(who) = signIn(who);
    }
  }
  INFO(report);
  CHECK(mismatches == 0);
}

TEST_CASE(
    "Teachers do not see signers' IP addresses in a plan's audit trail but SENCO, head and trust "
    "admin do",
    "[web][access]") {
  Demo demo;
  const std::string db = demo.server.home() + "/sendflow.db";
  storage::Database d(db);
  storage::Statement st(
      d, "SELECT p.id FROM plan p JOIN sealed_document s ON s.plan_id=p.id WHERE p.academy_id=" +
             std::to_string(demo.firstAcademy()) + " ORDER BY p.id LIMIT 1");
  REQUIRE(st.step());
  const std::string path = "/plans/" + std::to_string(st.getInt(0)) + "/audit";
  const std::string ip = "198.51.100.7";  // the address the demo's signers signed from

  auto teacher = demo.signedIn("staff").get(path);
  REQUIRE(teacher.status == 200);
  CHECK(teacher.body.find("Signed version") != std::string::npos);  // the events are there
  CHECK(teacher.body.find("IP address") == std::string::npos);
  CHECK(teacher.body.find(ip) == std::string::npos);
  CHECK(teacher.body.find("&quot;ip&quot;") == std::string::npos);
  CHECK(teacher.body.find("user_agent") == std::string::npos);

  for (const char* role : {"senco", "head"}) {
    auto r = demo.signedIn(role).get(path);
    REQUIRE(r.status == 200);
    INFO(role);
    CHECK(r.body.find(ip) != std::string::npos);
  }
  auto admin = demo.signedIn("trust_admin", "").get(path);
  REQUIRE(admin.status == 200);
  CHECK(admin.body.find(ip) != std::string::npos);
}
