// Plan PDFs through the real server and the real CLI, checked with the tools a reader's software
// relies on (qpdf, pdffonts, pdftotext). PNGs of the first two pages of each type are kept in
// tests/artifacts/pdf-types/ for a human look.
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "app/definition_folders.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/forms/form_values.h"
#include "support/demo.h"

using sendflow::testing::Client;
using sendflow::testing::Demo;
using sendflow::testing::toJson;
namespace engine = sendflow::engine;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNames{"Zoë",        "Siobhán", "Łukasz", "Ağca", "Nguyễn Thị Ánh",
                                      "Ærøskøbing", "Ψάρης",   "Юлия"};

const engine::DefinitionRegistry& registry() {
  static const engine::DefinitionRegistry r =
      sendflow::web::loadDefinitionFolders(std::string(SENDFLOW_SOURCE_ROOT) + "/forms",
                                           std::string(SENDFLOW_SOURCE_ROOT) + "/workflows");
  return r;
}

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

// What the plan page shows for each visible field, checked in the PDF's text.
struct Expected {
  std::vector<std::string> exact;      // short values: appear verbatim
  std::vector<std::string> cells;      // table cells and headers: verbatim, but a word too long
                                       // for its column may wrap between characters
  std::vector<std::string> longTexts;  // every word, in order
};

Expected expectedValues(const engine::FormDefinition& form, const Poco::JSON::Object& values) {
  Expected e;
  auto addText = [&](const engine::FieldDef& f, const Poco::Dynamic::Var& v) {
    if (!engine::isPresent(v)) return;
    switch (f.kind) {
      case engine::FieldKind::kPerson:
        if (v.isString() && v.extract<std::string>().find(':') == std::string::npos)
          e.exact.push_back(v.extract<std::string>());  // a free-text name
        return;
      case engine::FieldKind::kMultiChoice: {
        auto arr = v.extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < arr->size(); ++i) {
          const auto* o = f.option(arr->getElement<std::string>(static_cast<unsigned>(i)));
          if (o) e.exact.push_back(o->label);
        }
        return;
      }
      case engine::FieldKind::kLongText:
        e.longTexts.push_back(v.extract<std::string>());
        return;
      case engine::FieldKind::kComputed: {
        std::string shown = engine::displayValue(f, v);  // "12 (High)" → "12" and "High"
        auto paren = shown.find(" (");
        e.exact.push_back(shown.substr(0, paren));
        if (paren != std::string::npos)
          e.exact.push_back(shown.substr(paren + 2, shown.size() - paren - 3));
        return;
      }
      default:
        e.exact.push_back(engine::displayValue(f, v));
    }
  };
  for (const auto& s : form.sections) {
    if (!engine::isSectionVisible(s, values)) continue;
    for (const auto& f : s.fields) {
      if (f.hidden || !engine::isFieldVisible(form, f, values) || !values.has(f.id)) continue;
      e.exact.push_back(f.label);
      Poco::Dynamic::Var v = values.get(f.id);
      if (f.kind != engine::FieldKind::kTable) {
        addText(f, v);
        continue;
      }
      for (const auto& col : f.columns) e.cells.push_back(col.label);
      auto rows = v.extract<Poco::JSON::Array::Ptr>();
      for (std::size_t i = 0; i < rows->size(); ++i) {
        auto row = rows->getObject(static_cast<unsigned>(i));
        for (const auto& col : f.columns) {
          if (!row->has(col.id)) continue;
          if (col.kind == engine::FieldKind::kLongText) {
            e.longTexts.push_back(row->getValue<std::string>(col.id));
          } else if (col.kind != engine::FieldKind::kPerson) {
            e.cells.push_back(engine::displayValue(col, row->get(col.id)));
          }
        }
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
  CHECK(c.get("/plans/" + std::to_string(id) + "/audit").body.find("plan.pdf_download") !=
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
  const engine::FormDefinition& filledForm = *registry().formFor(*registry().workflow(filledType));
  auto current = senco.get("/api/v1/plans/" + std::to_string(filledId)).json();
  Poco::JSON::Object patch;
  std::vector<const engine::FieldDef*> texts, longTexts;
  for (const auto* f : filledForm.fields()) {
    if (f->readonly || f->hidden || f->visibleWhen || !f->pattern.empty()) continue;
    if (f->kind == engine::FieldKind::kText) texts.push_back(f);
    if (f->kind == engine::FieldKind::kLongText) longTexts.push_back(f);
  }
  REQUIRE(texts.size() >= 1);
  REQUIRE(longTexts.size() >= 2);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    const auto* f = texts[std::min(i, texts.size() - 1)];
    std::string v = patch.has(f->id) ? patch.getValue<std::string>(f->id) + ", " : "";
    patch.set(f->id, v + kNames[i]);
  }
  const std::vector<std::string> essay = longWords();
  std::string essayText = "Startmark";
  for (const auto& w : essay) essayText += " " + w;
  essayText += " Endmark";
  REQUIRE(essayText.size() < engine::kMaxValueBytes);
  patch.set(longTexts[0]->id, essayText);
  const std::string unshown = longTexts[1]->id;
  patch.set(unshown, "Before 😀🎉 after. Urdu: اردو میں نام then Bengali: বাংলা নাম end.");
  Poco::JSON::Object body;
  body.set("base_version", current->getValue<int>("version"));
  body.set("values", patch);
  auto saved = senco.postJson("PATCH", "/api/v1/plans/" + std::to_string(filledId), toJson(body));
  INFO(saved.body);
  REQUIRE(saved.status == 200);

  std::set<std::string> typesSeen;
  for (const auto& type : registry().types()) {
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
    const engine::FormDefinition& form = *registry().formFor(*registry().workflow(type));
    Expected e = expectedValues(form, *values);
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
    for (const auto& v : e.cells) {
      INFO("cell: " << v);
      CHECK(contains(rawNoSpace, noSpace(squash(v))));
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
      // Unshown characters: a visible, explained placeholder, reported by field.
      CHECK(contains(raw, "Before [emoji not shown — see the online record] after."));
      CHECK(contains(raw, "[Urdu/Arabic-script text not shown — see the online record]"));
      CHECK(contains(raw, "[Bengali text not shown — see the online record] end."));
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
