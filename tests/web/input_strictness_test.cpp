// Strict edges over the real server (issue 11 items 4, 10 and 11): malformed percent-encoding,
// numbers out of range, JSON of the wrong type, unknown keys, and CR, LF and NUL in every
// single-line field of every HTML form (found by crawling the pages as users see them) and of
// every JSON body (the API's bodies, and every text field of every form definition). Each is a
// 400 or a 422 with a message; never a 500, never stored.
#include <Poco/URI.h>

#include <catch2/catch.hpp>
#include <deque>
#include <regex>
#include <set>

#include "app/definition_folders.h"
#include "i18n/language_list.h"
#include "sendflow/engine/definitions/definitions.h"
#include "support/demo.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

const engine::DefinitionRegistry& registry() {
  static const engine::DefinitionRegistry r = sendflow::web::loadDefinitionFolders(
      std::string(SENDFLOW_SOURCE_ROOT) + "/forms",
      std::string(SENDFLOW_SOURCE_ROOT) + "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return r;
}

// What a poisoned value looks like in a message.
std::string shown(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\0')
      out += "\\0";
    else if (static_cast<unsigned char>(c) < 0x20)
      out += "\\x" + std::to_string(static_cast<int>(c));
    else
      out.push_back(c);
  }
  return out;
}

const std::vector<std::string>& linePoisons() {
  static const std::vector<std::string> p{"\r\n", "\n", "\r", std::string(1, '\0')};
  return p;
}
const std::vector<std::string>& longTextPoisons() {
  static const std::vector<std::string> p{std::string(1, '\0'), "\x1b", "\x07"};
  return p;
}

// A JSON string literal holding exactly `s` (control characters as \u escapes).
std::string jsonString(const std::string& s) { return toJson(Poco::Dynamic::Var(s)); }

bool isRefusal(int status) { return status == 400 || status == 422; }

// The field names a JSON error body lists.
std::set<std::string> errorFields(const Response& r) {
  std::set<std::string> out;
  try {
    auto err = r.json()->getObject("error");
    if (auto fields = err ? err->getArray("fields") : nullptr)
      for (size_t i = 0; i < fields->size(); ++i)
        out.insert(fields->getObject(static_cast<unsigned>(i))->getValue<std::string>("field"));
  } catch (const std::exception&) {
  }
  return out;
}

std::string errorMessage(const Response& r) {
  try {
    return r.json()->getObject("error")->getValue<std::string>("message");
  } catch (const std::exception&) {
    return "";
  }
}

// --- HTML forms, as a browser sees them --------------------------------------------------------

std::string htmlUnescape(std::string s) {
  const std::pair<const char*, const char*> kEntities[] = {
      {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + std::strlen(to)))
      s.replace(p, std::strlen(from), to);
  }
  return s;
}

std::map<std::string, std::string> attributesOf(const std::string& tagBody) {
  static const std::regex kAttr(R"re(([a-zA-Z_:][-a-zA-Z0-9_:.]*)(\s*=\s*"([^"]*)")?)re");
  std::map<std::string, std::string> out;
  for (auto it = std::sregex_iterator(tagBody.begin(), tagBody.end(), kAttr);
       it != std::sregex_iterator(); ++it)
    out[(*it)[1]] = htmlUnescape((*it)[3]);
  return out;
}

struct Control {
  std::string tag;  // input, textarea, select
  std::map<std::string, std::string> attrs;
  std::string value;  // what the browser would post
  std::string type() const {
    auto it = attrs.find("type");
    return tag != "input" ? tag : it == attrs.end() ? "text" : it->second;
  }
};

struct HtmlForm {
  std::string action;
  std::vector<Control> controls;
};

// The POST forms of a page and their controls with the values a browser would send.
std::vector<HtmlForm> postForms(const std::string& html, const std::string& pagePath) {
  std::vector<HtmlForm> out;
  for (size_t pos = html.find("<form"); pos != std::string::npos;
       pos = html.find("<form", pos + 1)) {
    const size_t tagEnd = html.find('>', pos);
    const size_t end = html.find("</form>", tagEnd);
    if (tagEnd == std::string::npos || end == std::string::npos) break;
    auto attrs = attributesOf(html.substr(pos + 5, tagEnd - pos - 5));
    std::string method = attrs["method"];
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (method != "post") continue;
    HtmlForm f{attrs["action"].empty() ? pagePath : attrs["action"], {}};
    const std::string body = html.substr(tagEnd + 1, end - tagEnd - 1);
    static const std::regex kControl(R"re(<(input|textarea|select)\b([^>]*)>)re");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), kControl);
         it != std::sregex_iterator(); ++it) {
      Control c{(*it)[1], attributesOf((*it)[2]), ""};
      if (!c.attrs.count("name") || c.attrs.count("disabled")) continue;
      const size_t after = static_cast<size_t>(it->position(0) + it->length(0));
      if (c.tag == "textarea") {
        c.value = htmlUnescape(body.substr(after, body.find("</textarea>", after) - after));
      } else if (c.tag == "select") {
        const std::string options = body.substr(after, body.find("</select>", after) - after);
        static const std::regex kOption(R"re(<option\b([^>]*)>)re");
        bool first = true, chosen = false;  // the selected option, else the first
        for (auto o = std::sregex_iterator(options.begin(), options.end(), kOption);
             o != std::sregex_iterator(); ++o) {
          auto oa = attributesOf((*o)[1]);
          if (!chosen && (first || oa.count("selected"))) c.value = oa["value"];
          if (oa.count("selected")) chosen = true;
          first = false;
        }
      } else {
        const std::string t = c.type();
        if (t == "submit" || t == "button" || t == "reset" || t == "file") continue;
        if ((t == "checkbox" || t == "radio") && !c.attrs.count("checked")) continue;
        c.value = c.attrs["value"];
      }
      f.controls.push_back(std::move(c));
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string encodeForm(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    std::string ek, ev;
    Poco::URI::encode(k, "!#$&'()*+,/:;=?@[]%", ek);
    Poco::URI::encode(v, "!#$&'()*+,/:;=?@[]%", ev);
    out += (out.empty() ? "" : "&") + ek + "=" + ev;
  }
  return out;
}

bool isLineInput(const Control& c) {
  static const std::set<std::string> kLine{"text", "email", "search", "tel", "url"};
  // Read-only inputs show a prefilled answer the server never takes from a post.
  return c.tag == "input" && kLine.count(c.type()) && c.attrs.at("name") != "csrf" &&
         !c.attrs.count("readonly");
}

// "/plans/12/signers/3/replace" -> "/plans/N/signers/N/replace": one form per kind of page.
std::string shapeOf(const std::string& path) {
  return std::regex_replace(path.substr(0, path.find('?')), std::regex("[0-9]+"), "N");
}

// Every page a user reaches from `seeds` by following this site's links (bounded), skipping
// downloads, sockets and signing out.
std::vector<std::pair<std::string, std::string>> crawl(Client& c, std::vector<std::string> seeds,
                                                       size_t maxPages) {
  std::vector<std::pair<std::string, std::string>> pages;
  std::set<std::string> seen;
  std::deque<std::string> queue(seeds.begin(), seeds.end());
  static const std::regex kHref(R"re(href="(/[^"#]*))re");
  while (!queue.empty() && pages.size() < maxPages) {
    std::string path = queue.front();
    queue.pop_front();
    if (!seen.insert(path).second) continue;
    // A few pages of each shape are enough: every pupil page has the same forms.
    const std::string shape = shapeOf(path);
    if (std::count_if(pages.begin(), pages.end(),
                      [&](const auto& p) { return shapeOf(p.first) == shape; }) >= 8)
      continue;
    auto r = c.get(path);
    if (r.status != 200 || r.headers["Content-Type"].rfind("text/html", 0) != 0) continue;
    pages.emplace_back(path, r.body);
    for (auto it = std::sregex_iterator(r.body.begin(), r.body.end(), kHref);
         it != std::sregex_iterator(); ++it) {
      std::string href = htmlUnescape((*it)[1]);
      if (href.find("/static/") == 0 || href.find(".pdf") != std::string::npos ||
          href.find("/live") != std::string::npos || href.find("logout") != std::string::npos)
        continue;
      queue.push_back(href);
    }
  }
  return pages;
}

struct Poisoned {
  std::string form, field, poison;
  int status;
  std::string excerpt;
};

// Posts each form once per single-line field (and textarea) with that field poisoned; returns
// what was not refused, and counts what was tried.
std::vector<Poisoned> poisonForms(Client& c,
                                  const std::vector<std::pair<std::string, std::string>>& pages,
                                  std::set<std::string>& tried) {
  std::vector<Poisoned> accepted;
  for (const auto& [path, html] : pages) {
    for (const auto& form : postForms(html, path)) {
      for (size_t i = 0; i < form.controls.size(); ++i) {
        const auto& target = form.controls[i];
        const bool line = isLineInput(target);
        if (!line && (target.tag != "textarea" || target.attrs.count("readonly"))) continue;
        const std::string key = shapeOf(form.action) + " " + target.attrs.at("name");
        if (!tried.insert(key).second) continue;
        for (const auto& poison : line ? linePoisons() : longTextPoisons()) {
          std::vector<std::pair<std::string, std::string>> fields;
          for (size_t k = 0; k < form.controls.size(); ++k) {
            const auto& ctl = form.controls[k];
            fields.emplace_back(ctl.attrs.at("name"),
                                k == i ? "A" + poison + "B" + ctl.value : ctl.value);
          }
          auto r = c.request("POST", form.action, encodeForm(fields),
                             "application/x-www-form-urlencoded");
          // Refused, and for the field's own reason (not, say, a stale token).
          static const std::regex kWhy(
              "one line|NUL character|control character|carriage return|line break");
          if (!isRefusal(r.status) || !std::regex_search(r.body, kWhy))
            accepted.push_back({form.action, target.attrs.at("name"), shown(poison), r.status,
                                r.body.substr(0, 300)});
        }
      }
    }
  }
  return accepted;
}

}  // namespace

TEST_CASE("malformed percent-encoding is a 400 with a message whether signed in or not",
          "[web][input]") {
  Demo demo;
  auto anonymous = demo.server.client();
  auto senco = demo.senco();
  const std::vector<std::string> targets{"/%",
                                         "/%zz",
                                         "/plans/%",
                                         "/" + std::string(5000, '%'),
                                         "/api/v1/plans/%",
                                         "/pupils/%4",
                                         "/api/v1/pupils?q=%",
                                         "/login?next=%zz",
                                         "/plans/1%00",
                                         "/pupils%0d%0aX-Injected:%201",
                                         "/?q=%e2%82",
                                         "/api/v1/plans?state=%c0%af"};
  for (auto* c : {&anonymous, &senco}) {
    for (const auto& t : targets) {
      INFO(t.substr(0, 40));
      auto r = c->get(t);
      CHECK(r.status == 400);
      CHECK(r.body.find("address") != std::string::npos);
      CHECK(r.headers.count("Content-Security-Policy"));
      auto api = c->request("GET", t, "", "", {{"Accept", "application/json"}});
      CHECK(api.status == 400);
      CHECK_FALSE(errorMessage(api).empty());
    }
  }
  // A form body is decoded as strictly.
  auto bad = senco.request("POST", "/pupils", "csrf=" + senco.csrf + "&legal_name=%zz",
                           "application/x-www-form-urlencoded");
  CHECK(bad.status == 400);
  CHECK(bad.body.find("legal_name") != std::string::npos);
  CHECK(senco
            .request("POST", "/pupils", "csrf=" + senco.csrf + "&legal_name=%",
                     "application/x-www-form-urlencoded")
            .status == 400);
  CHECK(demo.server.log().find("failed:") == std::string::npos);
}

TEST_CASE("numbers out of range or malformed are 400 or 422 and never 500", "[web][input]") {
  Demo demo;
  auto senco = demo.senco();
  auto drafts = demo.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  const std::string plan =
      "/api/v1/plans/" + std::to_string(drafts.front()->getValue<int64_t>("id"));
  for (const std::string base :
       {"9223372036854775808", "18446744073709551615", "-9223372036854775808", "0", "1.5", "1e3",
        "\"1\"", "true", "null", "[1]"}) {
    INFO(base);
    auto r = senco.postJson("PATCH", plan, R"({"base_version": )" + base + R"(, "values": {}})");
    CHECK(r.status == 422);
    CHECK(errorFields(r) == std::set<std::string>{"base_version"});
  }
  for (const std::string base :
       {"-99999999999999999999", "99999999999999999999999", "1e400", "01"}) {
    INFO(base);
    auto r = senco.postJson("PATCH", plan, R"({"base_version": )" + base + R"(, "values": {}})");
    CHECK(r.status == 400);
    CHECK_FALSE(errorMessage(r).empty());
  }
  for (const std::string id :
       {"18446744073709551615", "9223372036854775808", "-1", "true", "\"3\"", "3.0"}) {
    INFO(id);
    auto r =
        senco.postJson("POST", "/api/v1/plans", R"({"pupil_id": )" + id + R"(, "type": "peep"})");
    CHECK(r.status == 422);
    CHECK(errorFields(r) == std::set<std::string>{"pupil_id"});
  }
  CHECK(senco.get("/api/v1/plans/18446744073709551615").status == 404);
  CHECK(senco.get("/api/v1/pupils/9223372036854775808").status == 404);
  for (const std::string q :
       {"pupil_id=18446744073709551615", "pupil_id=3abc", "pupil_id=%2B3", "pupil_id=%203"}) {
    INFO(q);
    auto r = senco.get("/api/v1/plans?" + q);
    CHECK(r.status == 400);
    CHECK(errorMessage(r).find("pupil_id") != std::string::npos);
  }
  // One strict parser of ?version= on every door: the API, the page, the PDF (and the diff's
  // from/to); "2x" is not version 2.
  const std::string page = "/plans/" + plan.substr(plan.rfind('/') + 1);
  for (const std::string n : {"99999999999", "3abc", "-1", "2x", "%202", "2.0", "+2"}) {
    INFO(n);
    for (const std::string& url :
         {plan + "?version=" + n, page + "?version=" + n, page + "/pdf?version=" + n,
          page + "/diff?from=1&to=" + n, page + "/diff?from=" + n + "&to=1"}) {
      INFO(url);
      auto r = senco.get(url);
      CHECK(r.status == 400);
      CHECK(r.body.find(url.find("?version=") != std::string::npos ? "version" : "must be") !=
            std::string::npos);
    }
  }
  auto nullPerson = senco.postJson("PUT", plan + "/signers/senco", R"({"people": [null]})");
  CHECK(nullPerson.status == 422);
  CHECK(errorFields(nullPerson) == std::set<std::string>{"people[0]"});
  CHECK(senco.postJson("PUT", plan + "/signers/senco", R"({"people": "user:1"})").status == 422);
  CHECK(demo.server.log().find("failed:") == std::string::npos);
}

TEST_CASE("the API takes exactly its documented types and names the field", "[web][input]") {
  Demo demo;
  auto senco = demo.senco();
  const int64_t academy = demo.firstAcademy();
  const std::string pupil =
      R"("legal_name": "Typed Exactly", "date_of_birth": "2016-04-01", "year_group": "4")";

  // academy_id: true is not academy 1; nothing is created.
  for (const std::string& a : std::vector<std::string>{
           "true", "\"" + std::to_string(academy) + "\"", std::to_string(academy) + ".0"}) {
    INFO(a);
    auto r = senco.postJson("POST", "/api/v1/pupils", "{\"academy_id\": " + a + ", " + pupil + "}");
    CHECK(r.status == 422);
    CHECK(errorFields(r) == std::set<std::string>{"academy_id"});
  }
  CHECK(senco.get("/api/v1/pupils?q=Typed%20Exactly").json()->getArray("pupils")->size() == 0);
  auto active = senco.postJson(
      "POST", "/api/v1/pupils",
      "{\"academy_id\": " + std::to_string(academy) + ", " + pupil + R"(, "active": "yes"})");
  CHECK(active.status == 422);
  CHECK(errorFields(active) == std::set<std::string>{"active"});

  // Plan values: a yes/no is true or false, a multiple choice is a list, a number a number.
  const engine::FieldDef* yesNo = nullptr;
  const engine::FieldDef* multi = nullptr;
  const engine::FieldDef* number = nullptr;
  Poco::JSON::Object::Ptr draft;
  for (const auto& p : demo.plans("", "draft", Demo::kOak)) {
    const auto* form = registry().formFor(*registry().workflow(p->getValue<std::string>("type")));
    yesNo = multi = number = nullptr;
    for (const auto* f : form->fields()) {
      if (f->readonly || f->hidden) continue;
      if (f->kind == engine::FieldKind::kYesNo && !yesNo) yesNo = f;
      if (f->kind == engine::FieldKind::kMultiChoice && !multi) multi = f;
      if (f->kind == engine::FieldKind::kNumber && !number) number = f;
    }
    if (yesNo && multi) {
      draft = p;
      break;
    }
  }
  REQUIRE(draft);
  const std::string path = "/api/v1/plans/" + std::to_string(draft->getValue<int64_t>("id"));
  const int version = senco.get(path).json()->getValue<int>("version");
  auto patch = [&](const std::string& field, const std::string& value) {
    return senco.postJson("PATCH", path,
                          R"({"base_version": )" + std::to_string(version) + R"(, "values": {")" +
                              field + R"(": )" + value + "}}");
  };
  for (const std::string v : {"\"true\"", "\"yes\"", "\"no\"", "1", "0", "[true]"}) {
    INFO(yesNo->id << " = " << v);
    auto r = patch(yesNo->id, v);
    CHECK(r.status == 422);
    CHECK(errorFields(r) == std::set<std::string>{yesNo->id});
  }
  for (const std::string& v :
       std::vector<std::string>{jsonString(multi->options.front().value), "true", "{}"}) {
    INFO(multi->id << " = " << v);
    auto r = patch(multi->id, v);
    CHECK(r.status == 422);
    CHECK(errorFields(r) == std::set<std::string>{multi->id});
  }
  if (number) {
    auto r = patch(number->id, "\"3\"");
    CHECK(r.status == 422);
    CHECK(errorFields(r) == std::set<std::string>{number->id});
  }
  CHECK(senco.get(path).json()->getValue<int>("version") == version);  // nothing was saved
  // The documented types work, and null removes an answer.
  auto yes = patch(yesNo->id, "true");
  REQUIRE(yes.status == 200);
  CHECK(senco.get(path).json()->getObject("values")->getValue<bool>(yesNo->id));
  auto removed = senco.postJson("PATCH", path,
                                R"({"base_version": )" + std::to_string(version + 1) +
                                    R"(, "values": {")" + yesNo->id + R"(": null}})");
  REQUIRE(removed.status == 200);
  CHECK_FALSE(senco.get(path).json()->getObject("values")->has(yesNo->id));

  // A form's pupil_id of "3abc" launches nothing.
  const int64_t own = demo.ownPupils.front();
  const auto before =
      senco.get("/api/v1/plans?pupil_id=" + std::to_string(own)).json()->getArray("plans")->size();
  for (const std::string& id :
       std::vector<std::string>{std::to_string(own) + "abc", " " + std::to_string(own),
                                "+" + std::to_string(own), "18446744073709551615"}) {
    INFO(id);
    auto r = senco.postForm("/plans", {{"csrf", senco.csrf}, {"pupil_id", id}, {"type", "peep"}});
    CHECK(r.status == 400);
    CHECK(r.body.find("pupil_id") != std::string::npos);
  }
  CHECK(senco.get("/api/v1/plans?pupil_id=" + std::to_string(own))
            .json()
            ->getArray("plans")
            ->size() == before);
}

TEST_CASE("unknown keys in every JSON body are a 400 naming the key", "[web][input]") {
  Demo demo;
  auto senco = demo.senco();
  auto drafts = demo.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  const std::string plan =
      "/api/v1/plans/" + std::to_string(drafts.front()->getValue<int64_t>("id"));
  const int version = senco.get(plan).json()->getValue<int>("version");
  const std::string pupil = "/api/v1/pupils/" + std::to_string(demo.ownPupils.front());
  auto& [email, password] = demo.logins.at("senco@" + std::string(Demo::kOak));
  struct Body {
    std::string method, path, json;
  };
  const std::vector<Body> bodies{
      {"POST", "/api/v1/session",
       "\"email\": " + jsonString(email) + ", \"password\": " + jsonString(password)},
      {"POST", "/api/v1/pupils",
       "\"academy_id\": " + std::to_string(demo.firstAcademy()) +
           R"(, "legal_name": "Unknown Key", "date_of_birth": "2016-04-01", "year_group": "4")"},
      {"PATCH", pupil, R"("preferred_name": "Sam")"},
      {"POST", "/api/v1/plans",
       "\"pupil_id\": " + std::to_string(demo.ownPupils.front()) + R"(, "type": "peep")"},
      {"PATCH", plan, "\"base_version\": " + std::to_string(version) + R"(, "values": {})"},
      {"POST", plan + "/transitions/send_for_signature", R"("reason_code": "change")"},
      {"PUT", plan + "/signers/senco", R"("people": [])"},
  };
  for (const auto& b : bodies) {
    for (const std::string extra : {"\"bogus\": 1", "\"Base_Version\": 1", "\"values \": {}"}) {
      INFO(b.method << " " << b.path << " + " << extra);
      auto r = senco.postJson(b.method, b.path, "{" + b.json + ", " + extra + "}");
      CHECK(r.status == 400);
      const std::string key = extra.substr(1, extra.find('"', 1) - 1);
      CHECK(errorMessage(r).find(key) != std::string::npos);
    }
    // The same key twice is refused too: two readers could disagree on which one counts.
    INFO(b.method << " " << b.path << " with a repeated key");
    CHECK(senco.postJson(b.method, b.path, "{" + b.json + ", " + b.json + "}").status == 400);
  }
  CHECK(senco.get("/api/v1/pupils?q=Unknown%20Key").json()->getArray("pupils")->size() == 0);
}

TEST_CASE("CR LF and NUL in every single-line field of every JSON body are a 422 naming it",
          "[web][input]") {
  Demo demo;
  auto senco = demo.senco();
  const std::string academy = std::to_string(demo.firstAcademy());
  const std::map<std::string, std::string> pupil{{"legal_name", "Line Test"},
                                                 {"preferred_name", "Lin"},
                                                 {"date_of_birth", "2016-04-01"},
                                                 {"year_group", "4"},
                                                 {"upn", "A123456789012"}};
  auto pupilJson = [&](const std::string& poisoned, const std::string& poison, bool withAcademy) {
    std::string out = withAcademy ? "{\"academy_id\": " + academy : "{";
    for (const auto& [k, v] : pupil)
      out += std::string(out.size() > 1 ? ", " : "") + jsonString(k) + ": " +
             jsonString(k == poisoned ? v.substr(0, 1) + poison + v.substr(1) : v);
    return out + "}";
  };
  const std::string own = "/api/v1/pupils/" + std::to_string(demo.ownPupils.front());
  for (const auto& [field, value] : pupil) {
    for (const auto& poison : linePoisons()) {
      INFO(field << " with " << shown(poison));
      auto created = senco.postJson("POST", "/api/v1/pupils", pupilJson(field, poison, true));
      CHECK(created.status == 422);
      CHECK(errorFields(created) == std::set<std::string>{field});
      auto patched = senco.postJson("PATCH", own, pupilJson(field, poison, false));
      CHECK(patched.status == 422);
      CHECK(errorFields(patched) == std::set<std::string>{field});
    }
  }
  for (const auto& poison : linePoisons()) {
    INFO("session email with " << shown(poison));
    auto r = demo.server.client().postJson(
        "POST", "/api/v1/session",
        R"({"email": )" + jsonString("a" + poison + "b@example.test") + R"(, "password": "x"})",
        false);
    CHECK(r.status == 422);
    CHECK(errorFields(r) == std::set<std::string>{"email"});
  }

  // Plan values: every text field, free-text person and table text column of every form.
  size_t checked = 0;
  std::set<std::string> forms;
  for (const auto& p : demo.plans("", "draft", Demo::kOak)) {
    const auto* form = registry().formFor(*registry().workflow(p->getValue<std::string>("type")));
    if (!forms.insert(form->type).second) continue;
    const std::string path = "/api/v1/plans/" + std::to_string(p->getValue<int64_t>("id"));
    const int version = senco.get(path).json()->getValue<int>("version");
    auto patch = [&](const std::string& values) {
      return senco.postJson(
          "PATCH", path,
          R"({"base_version": )" + std::to_string(version) + R"(, "values": )" + values + "}");
    };
    auto isLine = [](const engine::FieldDef& f) {
      return f.kind == engine::FieldKind::kText ||
             (f.kind == engine::FieldKind::kPerson &&
              std::find(f.people.begin(), f.people.end(), "free_text") != f.people.end());
    };
    for (const auto* f : form->fields()) {
      if (f->readonly || f->hidden) continue;
      std::vector<std::pair<std::string, std::string>> cases;  // error field, values JSON
      for (const auto& poison : isLine(*f) ? linePoisons()
                                : f->kind == engine::FieldKind::kLongText
                                    ? longTextPoisons()
                                    : std::vector<std::string>{})
        cases.emplace_back(f->id,
                           "{" + jsonString(f->id) + ": " + jsonString("A" + poison + "B") + "}");
      for (const auto& c : f->columns)
        for (const auto& poison : isLine(c) ? linePoisons()
                                  : c.kind == engine::FieldKind::kLongText
                                      ? longTextPoisons()
                                      : std::vector<std::string>{})
          cases.emplace_back(f->id + "[0]." + c.id, "{" + jsonString(f->id) + ": [{" +
                                                        jsonString(c.id) + ": " +
                                                        jsonString("A" + poison + "B") + "}]}");
      for (const auto& [field, values] : cases) {
        INFO(form->type << ": " << shown(values));
        auto r = patch(values);
        CHECK(r.status == 422);
        CHECK(errorFields(r).count(field) == 1);
        ++checked;
      }
    }
    CHECK(senco.get(path).json()->getValue<int>("version") == version);
  }
  CHECK(forms.size() >= 2);
  CHECK(checked > 30);

  // A transition's reason code is one line; its text may have lines but no NUL.
  auto drafts = demo.plans("", "draft", Demo::kOak);
  const std::string fire = "/api/v1/plans/" +
                           std::to_string(drafts.front()->getValue<int64_t>("id")) +
                           "/transitions/send_for_signature";
  for (const auto& poison : linePoisons()) {
    auto r =
        senco.postJson("POST", fire, R"({"reason_code": )" + jsonString("a" + poison + "b") + "}");
    CHECK(r.status == 422);
    CHECK(errorFields(r).count("reason_code") == 1);
  }
  auto nul = senco.postJson("POST", fire, R"({"reason_text": "a\u0000b"})");
  CHECK(nul.status == 422);
  CHECK(errorFields(nul).count("reason_text") == 1);
}

TEST_CASE("CR LF and NUL in every single-line field of every HTML form are refused",
          "[web][input]") {
  Demo demo;
  std::set<std::string> tried;
  std::vector<Poisoned> accepted;
  // The people who fill in forms: a SENCO (pupils, contacts, plans, signing), a trust admin
  // (users, mail), a contributor through an emailed link, and anyone at the sign-in page.
  std::vector<std::string> contributorLinks;
  for (const auto& p : demo.plans("", "", "")) {
    if (auto links = p->getArray("contribution_links"))
      for (size_t i = 0; i < links->size(); ++i) {
        std::string link =
            links->getObject(static_cast<unsigned>(i))->getValue<std::string>("link");
        contributorLinks.push_back(link.substr(link.find("/c/")));
      }
  }
  {
    auto visitor = demo.server.client();
    auto pages = crawl(visitor, {"/login"}, 5);
    for (auto& a : poisonForms(visitor, pages, tried)) accepted.push_back(a);
  }
  {
    auto senco = demo.senco();
    std::vector<std::string> seeds{"/", "/pupils/new"};
    for (auto id : demo.ownPupils) seeds.push_back("/pupils/" + std::to_string(id));
    // Plans in each state a form appears in first: the editor (draft), signing and replacing a
    // signer (awaiting signatures), then the rest.
    for (const char* state : {"draft", "awaiting_signatures", ""})
      for (const auto& p : demo.plans("", state, Demo::kOak))
        seeds.push_back("/plans/" + std::to_string(p->getValue<int64_t>("id")));
    auto pages = crawl(senco, seeds, 150);
    CHECK(pages.size() > 10);
    for (auto& a : poisonForms(senco, pages, tried)) accepted.push_back(a);
  }
  for (const auto& [key, login] : demo.logins) {
    if (key.rfind("admin@", 0) != 0 && key.rfind("trust_admin@", 0) != 0) continue;
    auto admin = demo.server.client();
    REQUIRE(admin.login(login.first, login.second).status == 303);
    auto pages = crawl(admin, {"/", "/admin/users", "/admin/users/new", "/admin/mail"}, 40);
    for (auto& a : poisonForms(admin, pages, tried)) accepted.push_back(a);
    break;
  }
  if (!contributorLinks.empty()) {
    auto contributor = demo.server.client();
    contributor.get("/login");  // the pre-session CSRF cookie
    auto pages = crawl(contributor, contributorLinks, 10);
    for (auto& a : poisonForms(contributor, pages, tried)) accepted.push_back(a);
  }
  for (const auto& a : accepted)
    UNSCOPED_INFO(a.form << " " << a.field << " with " << a.poison << ": " << a.status << " "
                         << a.excerpt);
  CHECK(accepted.empty());
  // The forms this walked (so a page that stops being reached is noticed).
  std::string all;
  for (const auto& t : tried) all += t + "\n";
  INFO(all);
  for (const char* expected :
       {"/login email", "/pupils legal_name", "/pupils/N/contacts name", "/pupils/N/contacts email",
        "/pupils/N/contacts relationship", "/plans/N f.", "/admin/users name", "/admin/users email",
        "/plans/N/sign/N/sign typed_name", "/plans/N/signers/N/replace reason",
        "/admin/mail/test to"}) {
    INFO(expected);
    CHECK(all.find(expected) != std::string::npos);
  }
}
