// Plan PDFs through the real server and the real CLI, checked with the tools a reader's software
// relies on (qpdf, pdffonts, pdftotext). PNGs of the first two pages of each type are kept in
// tests/artifacts/pdf-types/ for a human look.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "support/demo.h"

using sendflow::testing::Client;
using sendflow::testing::Demo;
using sendflow::testing::toJson;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNames{"Zoë",        "Siobhán", "Łukasz", "Ağca", "Nguyễn Thị Ánh",
                                      "Ærøskøbing", "Ψάρης",   "Юлия"};

std::string shell(const std::string& cmd, int* status = nullptr) {
  std::string out;
  // poppler warns on stderr about some CMaps; the text is what counts.
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 65536> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = ::pclose(p);
  if (status) *status = st;
  return out;
}

std::string squash(const std::string& s) {
  std::string out;
  bool space = false;
  for (char ch : s) {
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\f' || ch == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(ch);
  }
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// Every word of `text`, in order, within `extracted` (headers and footers may sit between).
bool wordsInOrder(const std::vector<std::string>& extracted, const std::string& text) {
  std::size_t at = 0;
  for (const auto& w : words(text)) {
    while (at < extracted.size() && extracted[at] != w) ++at;
    if (at == extracted.size()) return false;
    ++at;
  }
  return true;
}

fs::path artifactDir() {
  fs::path dir = fs::path(SENDFLOW_SOURCE_ROOT) / "tests" / "artifacts" / "pdf-types";
  fs::create_directories(dir);
  return dir;
}

void checkValidPdf(const std::string& file) {
  int status = 0;
  std::string qpdf = shell("qpdf --check '" + file + "'", &status);
  INFO(qpdf);
  CHECK(status == 0);
  std::istringstream fonts(shell("pdffonts '" + file + "'"));
  std::string line;
  int rows = 0;
  for (int i = 0; std::getline(fonts, line); ++i) {
    if (i < 2 || line.find_first_not_of(' ') == std::string::npos) continue;
    std::vector<std::string> cols = words(line);
    INFO(line);
    REQUIRE(cols.size() >= 7);
    CHECK(cols[cols.size() - 5] == "yes");  // emb
    ++rows;
  }
  CHECK(rows >= 1);
}

// What the PDF must show for each visible field, derived here from the form's JSON and the
// values the API returns — not from the engine's display code, which would check itself.
struct Expected {
  std::vector<std::string> exact;      // short values: appear verbatim
  std::vector<std::string> cells;      // table cells and headers: verbatim, but a word too long
                                       // for its column may wrap between characters
  std::vector<std::string> longTexts;  // every word, in order
};

using JsonObject = Poco::JSON::Object::Ptr;

// forms/<type>/form.json, as written.
JsonObject formJson(const std::string& type) {
  std::ifstream in(std::string(SENDFLOW_SOURCE_ROOT) + "/forms/" + type + "/form.json");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  REQUIRE_FALSE(text.empty());
  return Poco::JSON::Parser().parse(text).extract<JsonObject>();
}

std::vector<std::string> formTypes() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(SENDFLOW_SOURCE_ROOT) / "forms"))
    if (fs::exists(e.path() / "form.json")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<JsonObject> objects(const JsonObject& o, const std::string& key) {
  std::vector<JsonObject> out;
  if (!o->has(key)) return out;
  auto a = o->getArray(key);
  for (std::size_t i = 0; i < a->size(); ++i) out.push_back(a->getObject(static_cast<unsigned>(i)));
  return out;
}

std::string str(const JsonObject& o, const std::string& key) {
  return o->has(key) ? o->getValue<std::string>(key) : std::string();
}

// "2025-03-07" → "7 March 2025", as a UK reader writes a date.
std::string ukDateText(const std::string& iso) {
  static const char* kMonths[] = {"January",   "February", "March",    "April",
                                  "May",       "June",     "July",     "August",
                                  "September", "October",  "November", "December"};
  REQUIRE(std::regex_match(iso, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}")));
  return std::to_string(std::stoi(iso.substr(8, 2))) + " " +
         kMonths[std::stoi(iso.substr(5, 2)) - 1] + " " + iso.substr(0, 4);
}

std::string optionLabel(const JsonObject& field, const std::string& value) {
  for (const auto& o : objects(field, "options"))
    if (str(o, "value") == value) return str(o, "label");
  return value;
}

// visible_when: {"field": F, "equals": V} or {"field": F, "in": [V…]}; an absent value hides.
bool visible(const JsonObject& item, const Poco::JSON::Object& values) {
  if (!item->has("visible_when")) return true;
  auto when = item->getObject("visible_when");
  const std::string on = str(when, "field");
  if (!values.has(on) || values.get(on).isEmpty()) return false;
  const std::string v = values.get(on).toString();
  if (when->has("equals")) return when->get("equals").toString() == v;
  auto in = when->getArray("in");
  for (std::size_t i = 0; i < in->size(); ++i)
    if (in->get(static_cast<unsigned>(i)).toString() == v) return true;
  return false;
}

// A computed value: its number, and the label of the first band whose max it does not exceed.
void addComputed(Expected& e, const JsonObject& f, const Poco::Dynamic::Var& v) {
  const double n = v.convert<double>();
  e.exact.push_back(n == static_cast<long long>(n) ? std::to_string(static_cast<long long>(n))
                                                   : v.toString());
  for (const auto& b : objects(f, "bands")) {
    if (!b->has("max") || n <= b->getValue<double>("max")) {
      e.exact.push_back(str(b, "label"));
      break;
    }
  }
}

// The text a field's value prints as; false when the PDF shows it some other way (long texts,
// people by reference).
bool shownText(const JsonObject& f, const Poco::Dynamic::Var& v, std::vector<std::string>& out) {
  const std::string kind = str(f, "kind");
  if (kind == "date") out.push_back(ukDateText(v.toString()));
  if (kind == "choice") out.push_back(optionLabel(f, v.toString()));
  if (kind == "yes_no") out.push_back(v.convert<bool>() ? "Yes" : "No");
  if (kind == "text") out.push_back(v.toString());
  if (kind == "person" && v.toString().find(':') == std::string::npos) out.push_back(v.toString());
  if (kind == "multi_choice") {
    auto a = v.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < a->size(); ++i)
      out.push_back(optionLabel(f, a->get(static_cast<unsigned>(i)).toString()));
  }
  return !out.empty();
}

void addTable(Expected& e, const JsonObject& f, const Poco::Dynamic::Var& v) {
  const auto columns = objects(f, "columns");
  for (const auto& col : columns) e.cells.push_back(str(col, "label"));
  auto rows = v.extract<Poco::JSON::Array::Ptr>();
  for (std::size_t i = 0; i < rows->size(); ++i) {
    auto row = rows->getObject(static_cast<unsigned>(i));
    for (const auto& col : columns) {
      const std::string id = str(col, "id");
      if (!row->has(id) || row->get(id).isEmpty()) continue;
      if (str(col, "kind") == "long_text") {
        e.longTexts.push_back(row->getValue<std::string>(id));
      } else if (str(col, "kind") == "computed") {
        addComputed(e, col, row->get(id));
      } else {
        shownText(col, row->get(id), e.cells);
      }
    }
  }
}

Expected expectedValues(const JsonObject& form, const Poco::JSON::Object& values) {
  Expected e;
  for (const auto& s : objects(form, "sections")) {
    if (!visible(s, values)) continue;
    for (const auto& f : objects(s, "fields")) {
      const std::string id = str(f, "id"), kind = str(f, "kind");
      if ((f->has("hidden") && f->getValue<bool>("hidden")) || !visible(f, values) ||
          !values.has(id) || values.get(id).isEmpty())
        continue;
      const Poco::Dynamic::Var v = values.get(id);
      if (v.isString() && v.extract<std::string>().empty()) continue;
      e.exact.push_back(str(f, "label"));
      if (kind == "table") {
        addTable(e, f, v);
      } else if (kind == "long_text") {
        e.longTexts.push_back(v.toString());
      } else if (kind == "computed") {
        addComputed(e, f, v);
      } else {
        shownText(f, v, e.exact);
      }
    }
  }
  return e;
}

struct Fetched {
  std::string file, bytes, filename, placeholders;
};

Fetched fetchPdf(Client& c, int64_t id, const fs::path& dir, const std::string& name) {
  auto r = c.get("/plans/" + std::to_string(id) + "/pdf");
  INFO(r.body.substr(0, 300));
  REQUIRE(r.status == 200);
  CHECK(r.headers["Content-Type"] == "application/pdf");
  std::smatch m;
  const std::string& cd = r.headers["Content-Disposition"];
  REQUIRE(std::regex_match(
      cd, m, std::regex(R"(attachment; filename="([a-z_]+-[A-Z]{1,4}-v[0-9]+\.pdf)\")")));
  Fetched f{(dir / name).string(), r.body, m[1], r.headers["X-Sendflow-Pdf-Placeholders"]};
  std::ofstream(f.file, std::ios::binary) << r.body;
  // Every download is in the plan's audit trail.
  CHECK(c.get("/plans/" + std::to_string(id) + "/audit").body.find("Downloaded the") !=
        std::string::npos);
  return f;
}

// 20,000 two-letter words ("Qx", …) between two markers: under the 64 KiB value limit, and
// distinct from any word in the running header or footer.
std::vector<std::string> longWords() {
  std::mt19937 rng(20000);
  std::vector<std::string> out;
  for (int i = 0; i < 20000; ++i) {
    out.push_back(
        std::string{static_cast<char>('A' + rng() % 26), static_cast<char>('a' + rng() % 26)});
  }
  return out;
}

}  // namespace

TEST_CASE("every plan type renders to a valid, exact PDF through the server and the CLI",
          "[web][pdf][slow]") {
  Demo d;
  Client admin = d.signedIn("trust_admin", "");
  Client senco = d.senco();
  const fs::path dir = artifactDir();

  // One draft plan filled through the API with the Unicode names, a 20,000-word text, and
  // characters no embedded font can show.
  auto drafts = d.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  const int64_t filledId = drafts.front()->getValue<int64_t>("id");
  const std::string filledType = drafts.front()->getValue<std::string>("type");
  const JsonObject filledForm = formJson(filledType);
  auto current = senco.get("/api/v1/plans/" + std::to_string(filledId)).json();
  Poco::JSON::Object patch;
  std::vector<std::string> texts, longTexts;  // plain fields a SENCO may write in
  for (const auto& s : objects(filledForm, "sections")) {
    for (const auto& f : objects(s, "fields")) {
      auto flag = [&](const char* key) { return f->has(key) && f->getValue<bool>(key); };
      if (flag("readonly") || flag("hidden") || f->has("visible_when") || f->has("pattern"))
        continue;
      if (str(f, "kind") == "text") texts.push_back(str(f, "id"));
      if (str(f, "kind") == "long_text") longTexts.push_back(str(f, "id"));
    }
  }
  REQUIRE(texts.size() >= 1);
  REQUIRE(longTexts.size() >= 2);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    const std::string& f = texts[std::min(i, texts.size() - 1)];
    std::string v = patch.has(f) ? patch.getValue<std::string>(f) + ", " : "";
    patch.set(f, v + kNames[i]);
  }
  const std::vector<std::string> essay = longWords();
  std::string essayText = "Startmark";
  for (const auto& w : essay) essayText += " " + w;
  essayText += " Endmark";
  REQUIRE(essayText.size() < 64 * 1024);  // a value's limit
  patch.set(longTexts[0], essayText);
  const std::string unshown = longTexts[1];
  patch.set(unshown, "Before 😀🎉 after. Urdu: اردو میں نام then Bengali: বাংলা নাম end.");
  Poco::JSON::Object body;
  body.set("base_version", current->getValue<int>("version"));
  body.set("values", patch);
  auto saved = senco.postJson("PATCH", "/api/v1/plans/" + std::to_string(filledId), toJson(body));
  INFO(saved.body);
  REQUIRE(saved.status == 200);

  std::set<std::string> typesSeen;
  for (const auto& type : formTypes()) {
    INFO("type " << type);
    auto plans = d.plans(type, "");
    REQUIRE_FALSE(plans.empty());
    int64_t id = plans.front()->getValue<int64_t>("id");
    if (type == filledType) id = filledId;
    Fetched pdf = fetchPdf(admin, id, dir, type + ".pdf");
    typesSeen.insert(type);
    CHECK(pdf.filename.rfind(type + "-", 0) == 0);
    checkValidPdf(pdf.file);

    // Every shown value of the version, exactly.
    auto api = admin.get("/api/v1/plans/" + std::to_string(id)).json();
    auto values = api->getObject("values");
    Expected e = expectedValues(formJson(type), *values);
    const std::string raw = squash(shell("pdftotext -raw -enc UTF-8 '" + pdf.file + "' -"));
    const std::string plain = shell("pdftotext -enc UTF-8 '" + pdf.file + "' -");
    const std::vector<std::string> plainWords = words(plain);
    CHECK(e.exact.size() + e.cells.size() >= 8);
    for (const auto& v : e.exact) {
      INFO("value: " << v);
      CHECK(contains(raw, squash(v)));
    }
    auto noSpace = [](std::string t) {
      t.erase(std::remove_if(t.begin(), t.end(), [](char ch) { return ch == ' '; }), t.end());
      return t;
    };
    const std::string rawNoSpace = noSpace(raw);
    // A word too long for its cell is broken with a hyphen at each line end (not after a '-' it
    // has): compare with those hyphens taken out too.
    std::string unhyphenated = shell("pdftotext -raw -enc UTF-8 '" + pdf.file + "' -");
    for (auto at = unhyphenated.find("-\n"); at != std::string::npos;
         at = unhyphenated.find("-\n", at))
      unhyphenated.erase(at, 2);
    const std::string unhyphenatedNoSpace = noSpace(squash(unhyphenated));
    for (const auto& v : e.cells) {
      INFO("cell: " << v);
      CHECK((contains(rawNoSpace, noSpace(squash(v))) ||
             contains(unhyphenatedNoSpace, noSpace(squash(v)))));
    }
    for (const auto& t : e.longTexts) {
      INFO("long text: " << t.substr(0, 120));
      if (t.find("😀") != std::string::npos) continue;  // checked below
      CHECK(wordsInOrder(plainWords, t));
    }
    CHECK_FALSE(contains(raw, "user:"));  // people appear by name
    CHECK_FALSE(contains(raw, "contact:"));

    // Same version → same bytes; and the CLI writes exactly what the server sends.
    CHECK(admin.get("/plans/" + std::to_string(id) + "/pdf").body == pdf.bytes);
    const std::string cliFile = (dir / (type + "-cli.pdf")).string();
    auto cli = d.server.run({"render", "--plan", std::to_string(id), "--out", cliFile});
    INFO(cli.err);
    CHECK(cli.exitCode == 0);
    std::ifstream in(cliFile, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == pdf.bytes);
    fs::remove(cliFile);

    // Pictures for a human look.
    shell("pdftoppm -png -r 60 -f 1 -l 2 '" + pdf.file + "' '" + (dir / type).string() + "'");
    CHECK((fs::exists(dir / (type + "-1.png")) || fs::exists(dir / (type + "-01.png"))));

    if (id == filledId) {
      for (const auto& name : kNames) {
        INFO(name);
        CHECK(contains(plain, name));
      }
      // The long text, word for word: nothing lost, duplicated or reordered.
      std::vector<std::string> between;
      bool inside = false;
      for (const auto& w : plainWords) {
        if (w == "Endmark") break;
        if (inside && std::regex_match(w, std::regex("[A-Z][a-z]"))) between.push_back(w);
        if (w == "Startmark") inside = true;
      }
      CHECK(between == essay);
      // Unshown characters (emoji: no installed face): a visible, explained placeholder,
      // reported by field. Urdu (Nastaliq) and Bengali are drawn, shaped, and extract as typed
      // (pdftotext marks the right-to-left part with U+202B … U+202C; -raw keeps drawing order,
      // so right-to-left words come in visual order there: the reading-order text is checked).
      CHECK(contains(raw, "Before [emoji not shown — see the online record] after."));
      std::string unmarked = plain;
      for (const char* mark : {"\u202B", "\u202C"}) {
        for (std::size_t at; (at = unmarked.find(mark)) != std::string::npos;)
          unmarked.replace(at, 3, " ");
      }
      CHECK(contains(squash(unmarked), "Urdu: اردو میں نام then Bengali: বাংলা নাম end."));
      CHECK_FALSE(contains(raw, "Urdu/Arabic-script text not shown"));
      CHECK_FALSE(contains(raw, "Bengali text not shown"));
      CHECK(pdf.placeholders == unshown);
      auto note = d.server.run({"render", "--plan", std::to_string(id), "--out", cliFile});
      CHECK(contains(note.out, "(" + unshown + ")"));
      fs::remove(cliFile);
      CHECK(std::stoi(shell("pdfinfo '" + pdf.file + "' | sed -n 's/^Pages: *//p'")) >= 10);
    } else {
      CHECK(pdf.placeholders.empty());
    }
  }
  CHECK(typesSeen.size() == 6);

  // The plan page links to the PDF of the version shown.
  auto page = senco.get("/plans/" + std::to_string(filledId));
  CHECK(contains(page.body, "/plans/" + std::to_string(filledId) + "/pdf?version="));
}

TEST_CASE("plan PDFs are authorised like the plan page, client mistakes are 4xx", "[web][pdf]") {
  Demo d;
  Client senco = d.senco();
  auto foreign = d.plans("", "", Demo::kHill);
  auto own = d.plans("", "", Demo::kOak);
  REQUIRE_FALSE(foreign.empty());
  REQUIRE_FALSE(own.empty());
  const std::string ownPath = "/plans/" + std::to_string(own.front()->getValue<int64_t>("id"));
  CHECK(senco.get("/plans/" + std::to_string(foreign.front()->getValue<int64_t>("id")) + "/pdf")
            .status == 404);
  CHECK(senco.get("/plans/999999/pdf").status == 404);
  CHECK(senco.get("/plans/abc/pdf").status == 404);
  CHECK(senco.get(ownPath + "/pdf?version=abc").status == 400);
  CHECK(senco.get(ownPath + "/pdf?version=-1").status == 400);
  CHECK(senco.get(ownPath + "/pdf?version=99999999999").status == 400);
  CHECK(senco.get(ownPath + "/pdf?version=999").status == 404);
  auto first = senco.get(ownPath + "/pdf?version=1");
  CHECK(first.status == 200);
  CHECK(contains(first.headers["Content-Disposition"], "-v1.pdf\""));
  CHECK(d.server.client().get(ownPath + "/pdf").status != 200);  // not signed in
  CHECK(senco.request("POST", ownPath + "/pdf").status >= 400);
}

TEST_CASE("sendflow render: clear errors, non-zero exit and no file on failure", "[web][pdf]") {
  Demo d;
  const std::string id = std::to_string(d.plans("", "").front()->getValue<int64_t>("id"));
  sendflow::testing::TempDir tmp;
  const std::string out = tmp.file("plan.pdf");

  auto unknown = d.server.run({"render", "--plan", "999999", "--out", out});
  CHECK(unknown.exitCode != 0);
  CHECK(contains(unknown.err, "no such plan"));
  CHECK_FALSE(fs::exists(out));

  auto badVersion = d.server.run({"render", "--plan", id, "--version", "999", "--out", out});
  CHECK(badVersion.exitCode != 0);
  CHECK(contains(badVersion.err, "no version 999"));
  CHECK_FALSE(fs::exists(out));

  auto usage = d.server.run({"render", "--plan", "x", "--out", out});
  CHECK(usage.exitCode != 0);
  CHECK(contains(usage.err, "usage: sendflow render"));

  auto unwritable = d.server.run({"render", "--plan", id, "--out", tmp.file("missing/dir/x.pdf")});
  CHECK(unwritable.exitCode != 0);
  CHECK(contains(unwritable.err, "nothing was written"));

  auto ok = d.server.run({"render", "--plan", id, "--version", "1", "--out", out});
  INFO(ok.err);
  CHECK(ok.exitCode == 0);
  CHECK(contains(ok.out, "wrote " + out));
  REQUIRE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(tmp.path())) {  // no temporary left behind
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
}
