// The real server over real HTTP on a loopback port.
#include <Poco/Net/StreamSocket.h>

#include <catch2/catch.hpp>

#include "support/demo.h"

using sendflow::testing::Client;
using sendflow::testing::Server;

using sendflow::testing::Demo;

TEST_CASE("healthz answers, unknown paths 404, wrong methods 405", "[web]") {
  Demo d;
  auto c = d.server.client();
  REQUIRE(c.get("/healthz").status == 200);
  auto r = c.get("/no/such/page");
  REQUIRE(r.status == 404);
  REQUIRE(r.body.find("<html") != std::string::npos);
  auto api = c.get("/api/v1/nothing-here");
  REQUIRE(api.status == 404);
  REQUIRE(api.json()->getObject("error")->getValue<std::string>("code") == "not_found");
  auto wrong = c.request("DELETE", "/login");
  REQUIRE(wrong.status == 405);
  REQUIRE(wrong.headers["Allow"].find("GET") != std::string::npos);
}

TEST_CASE("signing in, seeing the academy's pupils, and signing out", "[web]") {
  Demo d;
  auto c = d.senco();
  auto home = c.get("/");
  REQUIRE(home.status == 200);
  REQUIRE(home.body.find("Oakfield Primary Academy") != std::string::npos);
  REQUIRE(home.body.find("Zoë Ellis") != std::string::npos);
  REQUIRE(home.body.find("Hillcrest Secondary Academy") == std::string::npos);
  // Security headers on every page.
  REQUIRE(home.headers["Content-Security-Policy"].find("frame-ancestors 'none'") !=
          std::string::npos);
  REQUIRE(home.headers["X-Content-Type-Options"] == "nosniff");
  REQUIRE(home.headers.count("Referrer-Policy") == 1);

  auto search = c.get("/?q=%C5%81ukasz");
  REQUIRE(search.body.find(">Łukasz Nowak</a>") != std::string::npos);
  REQUIRE(search.body.find(">Zoë Ellis</a>") == std::string::npos);

  auto pupil = c.get("/pupils/" + std::to_string(d.ownPupils.front()));
  REQUIRE(pupil.status == 200);
  REQUIRE(pupil.body.find("Contacts") != std::string::npos);

  auto out = c.postForm("/logout", {{"csrf", c.csrf}});
  REQUIRE(out.status == 303);
  auto after = c.get("/");
  REQUIRE(after.status == 303);
  REQUIRE(after.headers["Location"].rfind("/login", 0) == 0);
}

TEST_CASE("the session cookie is HttpOnly and SameSite=Lax, and a new one is issued at login",
          "[web]") {
  Demo d;
  auto c = d.server.client();
  c.get("/login");
  c.cookies()["sf_session"] = "attacker-chosen-session-id";
  auto& [email, password] = d.logins.at("senco@Oakfield Primary Academy");
  auto page = c.get("/login");
  auto r = c.postForm(
      "/login",
      {{"email", email}, {"password", password}, {"csrf", Client::hiddenValue(page.body, "csrf")}});
  REQUIRE(r.status == 303);
  REQUIRE(c.cookies()["sf_session"] != "attacker-chosen-session-id");
  auto raw = c.request("POST", "/login", "", "application/x-www-form-urlencoded");
  (void)raw;
}

TEST_CASE("a wrong password is refused without a session", "[web]") {
  Demo d;
  auto c = d.server.client();
  auto r = c.login("senco@oakfield.example", "not the password at all");
  REQUIRE(r.status == 401);
  REQUIRE(r.body.find("There is a problem") != std::string::npos);
  REQUIRE(c.cookies().count("sf_session") == 0);
  REQUIRE(c.get("/").status == 303);
}

TEST_CASE("repeated failures are throttled with 429 and Retry-After", "[web]") {
  Demo d;
  auto c = d.server.client();
  for (int i = 0; i < 5; ++i)
    REQUIRE(c.login("senco@oakfield.example", "wrong password " + std::to_string(i)).status == 401);
  auto r = c.login("senco@oakfield.example", d.logins.at("senco@Oakfield Primary Academy").second);
  REQUIRE(r.status == 429);
  REQUIRE(std::stoi(r.headers["Retry-After"]) > 0);
  // Other accounts are unaffected.
  REQUIRE(c.login("head@oakfield.example", d.logins.at("head@Oakfield Primary Academy").second)
              .status == 303);
}

TEST_CASE("state changes without the CSRF token are refused with 403", "[web]") {
  Demo d;
  auto c = d.server.client();
  c.get("/login");
  auto noToken =
      c.postForm("/login", {{"email", "senco@oakfield.example"},
                            {"password", d.logins.at("senco@Oakfield Primary Academy").second}});
  REQUIRE(noToken.status == 403);

  auto s = d.senco();
  auto pupil = std::to_string(d.ownPupils.front());
  REQUIRE(s.postForm("/pupils/" + pupil, {{"legal_name", "Changed"}}).status == 403);
  REQUIRE(s.postForm("/pupils/" + pupil, {{"legal_name", "Changed"}, {"csrf", "wrong"}}).status ==
          403);
  REQUIRE(
      s.postJson("PATCH", "/api/v1/pupils/" + pupil, R"({"preferred_name":"X"})", false).status ==
      403);
  REQUIRE(s.postForm("/logout", {}).status == 403);
  // Nothing changed.
  REQUIRE(s.get("/pupils/" + pupil).body.find("Changed") == std::string::npos);
}

TEST_CASE("another academy's pupil answers 404 on every pupil route, like a missing one", "[web]") {
  Demo d;
  auto c = d.senco();
  for (auto id : {d.foreignPupils.front(), int64_t{999999}}) {
    auto p = std::to_string(id);
    INFO("pupil " << p);
    REQUIRE(c.get("/pupils/" + p).status == 404);
    REQUIRE(c.get("/pupils/" + p + "/edit").status == 404);
    REQUIRE(c.postForm("/pupils/" + p, {{"csrf", c.csrf},
                                        {"legal_name", "X"},
                                        {"date_of_birth", "2015-01-01"},
                                        {"year_group", "3"}})
                .status == 404);
    REQUIRE(c.postForm("/pupils/" + p + "/contacts", {{"csrf", c.csrf}, {"name", "X"}}).status ==
            404);
    REQUIRE(c.get("/api/v1/pupils/" + p).status == 404);
    REQUIRE(c.postJson("PATCH", "/api/v1/pupils/" + p, R"({"preferred_name":"X"})").status == 404);
  }
  REQUIRE(c.get("/pupils/abc").status == 404);
  auto list = c.get("/api/v1/pupils").json()->getArray("pupils");
  REQUIRE(list->size() == d.ownPupils.size());
}

TEST_CASE("a body over the limit gets 413 without being read whole", "[web]") {
  Demo d;
  Poco::Net::StreamSocket s(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(d.server.port())));
  std::string head =
      "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 3145728\r\n\r\n";
  s.sendBytes(head.data(), static_cast<int>(head.size()));
  char buf[256] = {};
  int n = s.receiveBytes(buf, sizeof buf - 1);
  REQUIRE(n > 0);
  REQUIRE(std::string(buf).rfind("HTTP/1.1 413", 0) == 0);
}

TEST_CASE("malformed form and JSON bodies get 400 with a message, never a 5xx", "[web]") {
  Demo d;
  auto c = d.senco();
  auto p = std::to_string(d.ownPupils.front());
  auto badJson = c.postJson("PATCH", "/api/v1/pupils/" + p, "{\"preferred_name\": ");
  REQUIRE(badJson.status == 400);
  REQUIRE(badJson.json()->getObject("error")->getValue<std::string>("message").find("JSON") !=
          std::string::npos);
  REQUIRE(c.postJson("PATCH", "/api/v1/pupils/" + p, "[1,2]").status == 400);
  REQUIRE(c.postJson("PATCH", "/api/v1/pupils/" + p, "\"\xC3\"").status == 400);
  auto wrongType = c.postJson("PATCH", "/api/v1/pupils/" + p, R"({"preferred_name": 42})");
  REQUIRE(wrongType.status == 422);
  REQUIRE(wrongType.body.find("preferred_name") != std::string::npos);
  auto unknown = c.postJson("PATCH", "/api/v1/pupils/" + p, R"({"shoe_size": "4"})");
  REQUIRE(unknown.status == 400);  // an unknown key is a malformed request, named
  REQUIRE(unknown.body.find("shoe_size") != std::string::npos);
  auto badForm = c.request("POST", "/pupils/" + p, "csrf=" + c.csrf + "&legal_name=%ZZ%",
                           "application/x-www-form-urlencoded");
  REQUIRE(badForm.status < 500);
  REQUIRE(badForm.status >= 400);
  auto badUtf8 = c.request("POST", "/pupils/" + p, "csrf=" + c.csrf + "&legal_name=%C3",
                           "application/x-www-form-urlencoded");
  REQUIRE(badUtf8.status == 400);
  auto wrongContentType =
      c.request("POST", "/pupils/" + p, "{}", "text/plain", {{"X-CSRF-Token", c.csrf}});
  REQUIRE(wrongContentType.status == 400);
  REQUIRE(c.get("/?q=%ZZ").status == 400);
}

TEST_CASE("HTML and script in names are stored exactly and rendered escaped", "[web]") {
  Demo d;
  auto c = d.senco();
  const std::string nasty = "<script>alert('x')</script> & \"Zoë\" <b>bold</b>";
  auto r = c.postForm("/pupils", {{"csrf", c.csrf},
                                  {"academy_id", std::to_string(d.firstAcademy())},
                                  {"legal_name", nasty},
                                  {"date_of_birth", "2016-02-29"},
                                  {"year_group", "4"}});
  REQUIRE(r.status == 303);
  auto page = c.get(r.headers["Location"]);
  REQUIRE(page.status == 200);
  REQUIRE(page.body.find("<script>alert") == std::string::npos);
  REQUIRE(
      page.body.find("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;Zoë&quot;") !=
      std::string::npos);
  auto id = r.headers["Location"].substr(std::string("/pupils/").size());
  auto api = c.get("/api/v1/pupils/" + id).json();
  REQUIRE(api->getValue<std::string>("legal_name") == nasty);
}

TEST_CASE("pupil validation errors are listed and nothing is lost", "[web]") {
  Demo d;
  auto c = d.senco();
  auto r = c.postForm("/pupils", {{"csrf", c.csrf},
                                  {"academy_id", std::to_string(d.firstAcademy())},
                                  {"legal_name", "Kept Name"},
                                  {"date_of_birth", "2015-02-30"},
                                  {"year_group", "15"}});
  REQUIRE(r.status == 422);
  REQUIRE(r.body.find("There is a problem") != std::string::npos);
  REQUIRE(r.body.find("Date of birth must be a real date") != std::string::npos);
  REQUIRE(r.body.find("value=\"Kept Name\"") != std::string::npos);
  std::string longName(300, 'a');
  auto tooLong =
      c.postJson("POST", "/api/v1/pupils",
                 "{\"academy_id\": " + std::to_string(d.firstAcademy()) + ", \"legal_name\": \"" +
                     longName + "\", \"date_of_birth\": \"2015-01-01\", \"year_group\": \"3\"}");
  REQUIRE(tooLong.status == 422);
  REQUIRE(tooLong.body.find("legal_name") != std::string::npos);
}

TEST_CASE("staff who are not SENCOs cannot change pupils, only trust admins manage users",
          "[web]") {
  Demo d;
  auto t = d.signedIn("staff");
  auto p = std::to_string(d.ownPupils.front());
  REQUIRE(t.get("/pupils/" + p).status == 200);
  REQUIRE(t.postJson("PATCH", "/api/v1/pupils/" + p, R"({"preferred_name":"X"})").status == 403);
  REQUIRE(t.get("/admin/users").status == 403);
  auto admin = d.server.client();
  REQUIRE(admin.login("admin@trust.example", "trust-admin-demo-1").status == 303);
  auto users = admin.get("/admin/users");
  REQUIRE(users.status == 200);
  REQUIRE(users.body.find("senco@hillcrest.example") != std::string::npos);
  auto weak = admin.postForm("/admin/users",
                             {{"csrf", admin.csrf},
                              {"name", "New Person"},
                              {"email", "new@oakfield.example"},
                              {"password", "short"},
                              {"role_" + std::to_string(d.firstAcademy()) + "_staff", "1"}});
  REQUIRE(weak.status == 422);
  REQUIRE(weak.body.find("at least 12 characters") != std::string::npos);
  auto ok = admin.postForm("/admin/users",
                           {{"csrf", admin.csrf},
                            {"name", "New Person"},
                            {"email", "new@oakfield.example"},
                            {"password", "a long enough passphrase"},
                            {"role_" + std::to_string(d.firstAcademy()) + "_staff", "1"}});
  REQUIRE(ok.status == 303);
  auto fresh = d.server.client();
  REQUIRE(fresh.login("new@oakfield.example", "a long enough passphrase").status == 303);
}

TEST_CASE("SIGTERM shuts the server down cleanly", "[web]") {
  Demo d;
  auto c = d.senco();
  REQUIRE(c.get("/").status == 200);
  REQUIRE(d.server.stop() == 0);
  auto log = d.server.log();
  REQUIRE(log.find("stopped") != std::string::npos);
  // The access log never carries secrets.
  REQUIRE(log.find(c.cookies()["sf_session"]) == std::string::npos);
  REQUIRE(log.find("oakfield-senco-demo") == std::string::npos);
}

TEST_CASE("the CLI adds users, backs up, and refuses bad input clearly", "[web][cli]") {
  Server s;
  s.seedDemo();
  auto again = s.run({"demo", "--json"});
  REQUIRE(again.exitCode == 0);  // idempotent
  auto add = s.run({"user", "add", "--email", "ta@oakfield.example", "--name", "Tariq Ali",
                    "--role", "staff", "--academy", "Oakfield Primary Academy"});
  REQUIRE(add.exitCode == 0);
  REQUIRE(add.out.find("password: ") != std::string::npos);
  auto dup = s.run({"user", "add", "--email", "ta@oakfield.example", "--name", "T", "--role",
                    "staff", "--academy", "Oakfield Primary Academy"});
  REQUIRE(dup.exitCode == 2);
  REQUIRE(dup.err.find("already exists") != std::string::npos);
  REQUIRE(s.run({"user", "add", "--email", "x@y.example", "--name", "X", "--role", "wizard"})
              .exitCode == 2);
  auto backup = s.run({"backup", s.home() + "/copy.db"});
  REQUIRE(backup.exitCode == 0);
  REQUIRE(s.run({"nonsense"}).exitCode == 2);
  auto migrate = s.run({"migrate"});
  REQUIRE(migrate.exitCode == 0);
  REQUIRE(migrate.out.find("schema version") != std::string::npos);
}
