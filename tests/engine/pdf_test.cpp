// The PDF renderer, checked with the real tools a reader's software relies on: qpdf, pdffonts,
// pdftotext (per page, with layout) and pdfinfo. PNGs of the first pages are kept in
// tests/artifacts/pdf/ for a human look.
#include "sendflow/engine/documents/pdf/pdf.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/pdf/sample_plan.h"
#include "sendflow/engine/core/error.h"
#include "support/pdf_fonts.h"

using namespace sendflow::engine;
namespace fs = std::filesystem;

namespace {

const PdfRenderer& renderer() { return sendflow::testing::testRenderer(); }

fs::path tempDir() {
  const char* env = std::getenv("SENDFLOW_TEST_TMP");
  fs::path dir = fs::path(env ? env : fs::temp_directory_path().string()) /
                 ("pdf_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string save(const std::string& name, const std::string& bytes) {
  fs::path p = tempDir() / name;
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

// Runs a shell command and returns its standard output (stderr discarded: poppler warns
// "Invalid 'begincidrange' operator in ToUnicode CMap" on libharu fonts; extraction is right).
std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 65536> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = ::pclose(p);
  if (status) *status = st;
  return out;
}

std::string text(const std::string& pdf, int page = 0, bool layout = false) {
  std::string cmd = "pdftotext -enc UTF-8";
  if (layout) cmd += " -layout";
  if (page > 0) cmd += " -f " + std::to_string(page) + " -l " + std::to_string(page);
  return run(cmd + " '" + pdf + "' -");
}

std::string squash(const std::string& s) {  // whitespace runs → one space
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

// pdftotext marks a right-to-left stretch with U+202B … U+202C; they are not part of the text,
// and stand where it may have moved a space (read as a boundary, like a space).
std::string withoutEmbeddingMarks(std::string s) {
  for (const char* mark : {"\u202B", "\u202C", "\u202A"}) {
    for (std::size_t at; (at = s.find(mark)) != std::string::npos;) s.replace(at, 3, " ");
  }
  return s;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) {
    if (l.find_first_not_of(" \f") != std::string::npos) out.push_back(l);
  }
  return out;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

void checkValid(const std::string& pdf) {
  int status = 0;
  std::string qpdf = run("qpdf --check '" + pdf + "'", &status);
  INFO(qpdf);
  CHECK(status == 0);
  std::string fonts = run("pdffonts '" + pdf + "'");
  auto rows = lines(fonts);
  REQUIRE(rows.size() >= 3);  // header, rule, fonts
  for (std::size_t i = 2; i < rows.size(); ++i) {
    INFO(rows[i]);
    // columns: name type encoding emb sub uni object ID; "emb" is the 4th field from the end + 1
    std::istringstream f(rows[i]);
    std::vector<std::string> cols;
    for (std::string c; f >> c;) cols.push_back(c);
    REQUIRE(cols.size() >= 7);
    CHECK(cols[cols.size() - 5] == "yes");
  }
}

PdfItem longTextItem(std::string id, std::string label, std::string body) {
  return PdfItem{std::move(id), std::move(label), PdfLongText{std::move(body)}, ""};
}

const std::vector<std::string> kNames{"Zoë",        "Siobhán", "Łukasz", "Ağca", "Nguyễn Thị Ánh",
                                      "Ærøskøbing", "Ψάρης",   "Юлия"};

PdfDocument unicodePlan() {
  PdfDocument d = sendflow::samples::samplePlan();
  PdfSection s{"Names", "", {}};
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    s.items.push_back(
        {"name" + std::to_string(i), "Name " + std::to_string(i + 1), PdfText{kNames[i]}, ""});
  }
  d.sections.insert(d.sections.begin(), std::move(s));
  return d;
}

}  // namespace

TEST_CASE("a filled plan renders to a valid PDF with embedded fonts and exact text", "[pdf]") {
  PdfDocument d = unicodePlan();
  RenderedPdf out = renderer().render(d);
  std::string pdf = save("unicode.pdf", out.bytes);
  checkValid(pdf);
  std::string all = squash(text(pdf));
  for (const auto& name : kNames) {
    INFO(name);
    CHECK(contains(all, name));
  }
  // Header, values of every kind, empty optional values, signatures, deadlines, footer.
  for (const char* expected : {"Oakfield Primary Academy — Northbridge Learning Trust",
                               "SEN Support Plan",
                               "Zoë Ağca",
                               "14 March 2015",
                               "Year 5",
                               "Awaiting signatures",
                               "30 September 2026",
                               "☑ Communication and interaction",
                               "☐ Cognition and learning",
                               "☑ Turkish",
                               "9 / 25 — Medium",
                               "Mr Ψάρης (ELSA), weekly",
                               "Ayşe Ağca",
                               "Mrs Юлия Петрова",
                               "Autism spectrum condition (diagnosed 2022, Northbridge CAMHS)",
                               "Hold the review meeting",
                               "Mrs Grace Adeyemi",
                               "Parent / carer",
                               "Signed electronically",
                               "OFFICIAL-SENSITIVE — contains personal information about a child",
                               "content hash 9f2c4e81b7a0"}) {
    INFO(expected);
    CHECK(contains(all, expected));
  }
  CHECK(contains(all, "Page 1 of " + std::to_string(out.pages)));
  CHECK(out.placeholderFields.empty());

  // Metadata, and the creation date is the version's date (so renders are reproducible).
  std::string info = run("pdfinfo -isodates '" + pdf + "'");
  CHECK(contains(info, "SEN Support Plan — Zoë Ağca"));
  CHECK(contains(info, "Oakfield Primary Academy"));
  CHECK(contains(info, "2026-03-12T10:15:00"));

  // Yes/no and empty values: "Medical needs" has no value and shows the dash.
  std::string page2 = squash(text(pdf, 2, true));
  CHECK((contains(page2, "Medical needs —") || contains(squash(text(pdf)), "Medical needs —")));

  // PNGs of the first two pages for a human look.
  fs::path artefacts = fs::path(SENDFLOW_SOURCE_ROOT) / "tests/artifacts/pdf";
  fs::create_directories(artefacts);
  std::string plan = save("plan.pdf", renderer().render(sendflow::samples::samplePlan()).bytes);
  CHECK(std::system(("pdftoppm -png -r 60 -f 1 -l 2 '" + plan + "' '" +
                     (artefacts / "sample_plan").string() + "' 2>/dev/null")
                        .c_str()) == 0);
}

TEST_CASE("a three-page plan is small and renders to identical bytes every time", "[pdf]") {
  PdfDocument d = sendflow::samples::samplePlan();
  RenderedPdf a = renderer().render(d);
  RenderedPdf b = renderer().render(d);
  CHECK(a.pages == 3);
  CHECK(a.bytes.size() <= 100 * 1024);
  CHECK(a.bytes == b.bytes);
  const sendflow::testing::TestFonts fonts;
  PdfRenderer other(fonts);  // a separately constructed renderer gives the same bytes
  CHECK(other.render(d).bytes == a.bytes);

  // Many threads at once: same bytes.
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = renderer().render(d).bytes; });
  }
  for (auto& t : threads) t.join();
  for (auto& r : results) CHECK(r == a.bytes);
}

TEST_CASE("a 20,000-word text flows across pages with every word in order", "[pdf][slow]") {
  static const char* kWords[] = {
      "the",     "pupil",   "needs",  "calm",       "support", "during", "transitions",
      "Zoë",     "prefers", "visual", "timetables", "and",     "quiet",  "spaces",
      "Siobhán", "helps",   "at",     "break",      "Łukasz",  "reads",  "aloud"};
  std::vector<std::string> words;
  std::string body;
  for (int i = 0; i < 20000; ++i) {
    std::string w = kWords[i % std::size(kWords)];
    if (i % 9 == 0) w += std::to_string(i);  // make order checkable
    words.push_back(w);
    body += w;
    body += (i % 250 == 249) ? "\n" : " ";
  }
  PdfDocument d = sendflow::samples::samplePlan();
  d.sections.insert(d.sections.begin() + 1,
                    PdfSection{"Long record", "", {longTextItem("long", "Chronology", body)}});
  RenderedPdf out = renderer().render(d);
  std::string pdf = save("long.pdf", out.bytes);
  checkValid(pdf);
  CHECK(out.pages > 30);
  std::istringstream in(text(pdf));
  std::size_t next = 0;
  for (std::string tok; in >> tok && next < words.size();) {
    if (tok == words[next]) ++next;
  }
  CHECK(next == words.size());
}

// The lowest baseline region used on a page, in points from the top: the bottom (yMax) of the
// lowest word above the footer, from pdftotext -bbox.
double lowestWord(const std::string& pdf, int page) {
  std::string html = run("pdftotext -bbox -f " + std::to_string(page) + " -l " +
                         std::to_string(page) + " '" + pdf + "' -");
  double lowest = 0;
  for (std::size_t at = html.find("<word "); at != std::string::npos;
       at = html.find("<word ", at + 1)) {
    auto y = html.find("yMax=\"", at);
    if (y == std::string::npos) break;
    double v = std::atof(html.c_str() + y + 6);
    if (v < 841.89 - 56) lowest = std::max(lowest, v);  // above the footer's rule
  }
  return lowest;
}

TEST_CASE("a 60-row table repeats its header on every page and splits long rows where pages end",
          "[pdf]") {
  PdfTable t;
  t.columns = {{"Incident date", 1.2f}, {"What happened", 3}, {"Action taken", 2}};
  for (int i = 1; i <= 60; ++i) {
    std::string n = std::to_string(i);
    std::string what = "ROW" + n + "START";
    for (int k = 0; k < (i % 4) * 6 + 4; ++k) what += " something happened in the corridor";
    what += " ROW" + n + "END";
    t.rows.push_back({"2026-01-" + n, what, "Logged R" + n});
  }
  PdfDocument d = sendflow::samples::samplePlan();
  d.sections.insert(d.sections.begin() + 1,
                    PdfSection{"Incident log", "", {PdfItem{"incidents", "Incidents", t, ""}}});
  RenderedPdf out = renderer().render(d);
  std::string pdf = save("table.pdf", out.bytes);
  checkValid(pdf);
  std::map<int, int> startPage, endPage;
  std::vector<int> pagesWithRows;
  for (int p = 1; p <= out.pages; ++p) {
    std::string page = text(pdf, p, true);
    bool anyRow = false;
    for (int i = 1; i <= 60; ++i) {
      std::string n = std::to_string(i);
      if (contains(page, "ROW" + n + "START")) startPage[i] = p, anyRow = true;
      if (contains(page, "ROW" + n + "END")) endPage[i] = p, anyRow = true;
    }
    if (anyRow) {
      pagesWithRows.push_back(p);
      INFO("page " << p);
      CHECK(contains(page, "Incident date"));  // header repeated on each page with rows
      CHECK(contains(page, "What happened"));
    }
  }
  REQUIRE(startPage.size() == 60);
  REQUIRE(endPage.size() == 60);
  int split = 0;
  for (int i = 1; i <= 60; ++i) {
    INFO("row " << i);
    CHECK((endPage[i] == startPage[i] || endPage[i] == startPage[i] + 1));  // continues next page
    if (endPage[i] != startPage[i]) ++split;
  }
  CHECK(split >= 1);
  CHECK(pagesWithRows.size() >= 3);
  // No page is left part-empty before a long row: every page the table runs on to the next is
  // used to its foot (the content area ends 777.9 pt from the top; two lines of slack).
  for (std::size_t k = 0; k + 1 < pagesWithRows.size(); ++k) {
    INFO("page " << pagesWithRows[k]);
    CHECK(lowestWord(pdf, pagesWithRows[k]) > 777.9 - 40);
  }
}

TEST_CASE("a section heading is never left alone at the foot of a page", "[pdf]") {
  // Push the heading down a line at a time so that at least one variant lands at a page foot.
  int keptWithContent = 0;
  for (int filler = 28; filler <= 52; filler += 2) {
    std::string body;
    for (int i = 0; i < filler; ++i) body += "Filler line " + std::to_string(i) + "\n";
    PdfDocument d = sendflow::samples::samplePlan();
    d.sections.insert(d.sections.begin(),
                      PdfSection{"Background", "", {longTextItem("bg", "Notes", body)}});
    d.sections.insert(
        d.sections.begin() + 1,
        PdfSection{
            "Section Omega", "", {longTextItem("omega", "Omega label", "Omega first line.")}});
    std::string pdf = save("heading.pdf", renderer().render(d).bytes);
    for (int p = 1; p <= 3; ++p) {
      auto ls = lines(text(pdf, p, true));
      for (std::size_t i = 0; i < ls.size(); ++i) {
        if (!contains(ls[i], "Section Omega")) continue;
        INFO("filler " << filler << " page " << p);
        // The next lines on the same page are the item's label and its first line.
        REQUIRE(i + 2 < ls.size());
        CHECK(contains(ls[i + 1], "Omega label"));
        CHECK(contains(ls[i + 2], "Omega first line."));
        ++keptWithContent;
      }
    }
  }
  CHECK(keptWithContent == 13);
}

TEST_CASE("only what no installed face draws becomes a visible placeholder, and is reported",
          "[pdf][scripts]") {
  PdfDocument d = sendflow::samples::samplePlan();
  PdfSection s{"Pupil voice", "", {}};
  s.items.push_back({"likes_emoji", "What I like",
                     PdfText{"Dogs 🐶 and football ⚽️ and 👨‍👩‍👧 family"}, ""});
  s.items.push_back({"urdu", "In Urdu", PdfLongText{"Zoë says: میرا نام زوئی ہے۔ (my name)"}, ""});
  s.items.push_back({"bengali", "In Bengali", PdfText{"আমার নাম জয়"}, ""});
  s.items.push_back({"hindi", "In Hindi", PdfText{"मेरा नाम"}, ""});
  s.items.push_back({"plain", "Plain", PdfText{"Ærøskøbing ✓ fine"}, ""});
  s.items.push_back({"broken", "Broken bytes", PdfText{"abc \xff\xfe def"}, ""});
  s.items.push_back(
      {"arabic_numbers", "Arabic with numbers", PdfText{"عمر مريم 9 سنوات وهي في الصف 4"}, ""});
  s.items.push_back({"mixed", "Mixed line",
                     PdfLongText{"Zoë's best friend عائشہ ملک helps her read every day."}, ""});
  d.sections.insert(d.sections.begin(), std::move(s));
  RenderedPdf out = renderer().render(d);
  std::string pdf = save("placeholders.pdf", out.bytes);
  checkValid(pdf);
  std::string all = squash(withoutEmbeddingMarks(text(pdf)));
  CHECK(contains(all,
                 "Dogs [emoji not shown — see the online record] and football [emoji not "
                 "shown — see the online record] and [emoji not shown — see the online "
                 "record] family"));
  // (pdftotext counts the "(" after the Urdu as part of the right-to-left stretch.)
  CHECK(contains(all, "Zoë says: ( میرا نام زوئی ہے۔ my name)"));
  CHECK(contains(all, "আমার নাম জয়"));
  CHECK(contains(all, "मेरा नाम"));
  CHECK(contains(all, "Ærøskøbing ✓ fine"));
  CHECK(contains(all, "abc [unreadable characters not shown — see the online record] def"));
  CHECK(contains(all, "Zoë's best friend عائشہ ملک helps her read every day."));
  // Digits in a right-to-left line: pdftotext reads a page whose text is mostly left-to-right
  // as left-to-right lines, each right-to-left stretch put back in logical order, so the
  // stretches between numbers come out exact, in the line's visual order (docs/pdf.md).
  const std::string marked = text(pdf);
  CHECK(contains(marked, "\u202Bعمر مريم\u202C"));
  CHECK(contains(marked, "سنوات وهي في الصف\u202C"));
  CHECK(contains(all, "4 سنوات وهي في الصف 9 عمر مريم"));
  CHECK_FALSE(contains(all, "Urdu/Arabic-script text not shown"));
  CHECK(out.placeholderFields == std::vector<std::string>{"broken", "likes_emoji"});
}

namespace {

struct BoxLine {
  double xMin = 0, xMax = 0;
  std::string words;  // as pdftotext lists them, joined by spaces
};

// The lines of page 1 with their horizontal extent (pdftotext -bbox-layout).
std::vector<BoxLine> boxLines(const std::string& pdf) {
  std::istringstream in(run("pdftotext -enc UTF-8 -bbox-layout -f 1 -l 1 '" + pdf + "' -"));
  std::vector<BoxLine> out;
  auto attr = [](const std::string& line, const std::string& name) {
    const std::size_t at = line.find(name + "=\"");
    const std::size_t from = at + name.size() + 2;
    return std::stod(line.substr(from, line.find('"', from) - from));
  };
  for (std::string line; std::getline(in, line);) {
    if (contains(line, "<line ")) {
      out.push_back({attr(line, "xMin"), attr(line, "xMax"), ""});
    } else if (contains(line, "<word ") && !out.empty()) {
      const std::size_t from = line.find('>') + 1;
      if (!out.back().words.empty()) out.back().words += ' ';
      out.back().words += line.substr(from, line.find("</word>") - from);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a wrapped right-to-left paragraph is right-to-left on every line of the PDF",
          "[pdf][scripts]") {
  PdfDocument d = sendflow::samples::samplePlan();
  // An Urdu sentence, then an English stretch longer than a line, then Urdu again: the paragraph
  // wraps inside the English, so its second line starts with a Latin word.
  const std::string text =
      "میرا بیٹا احمد اسکول جاتا ہے۔ His teacher Mrs Grace Adeyemi and the speech and language "
      "therapist Mr Tom Baker have seen him every week since September 2024 in the small room "
      "اور وہ اب خوش ہے.";
  PdfSection s{"Parent's view", "", {longTextItem("view", "In Urdu", text)}};
  d.sections.insert(d.sections.begin(), std::move(s));
  const std::string pdf = save("rtl_paragraph.pdf", renderer().render(d).bytes);
  checkValid(pdf);
  const std::vector<BoxLine> lines = boxLines(pdf);
  std::string all;
  for (const BoxLine& l : lines)
    all += "[" + std::to_string(l.xMin) + " " + std::to_string(l.xMax) + " " + l.words + "]\n";
  INFO(all);
  const auto at = std::find_if(lines.begin(), lines.end(),
                               [](const BoxLine& l) { return contains(l.words, "2024"); });
  REQUIRE(at != lines.end());
  // Right-aligned, like the paragraph's first line (the body's right edge is at 545.3 pt).
  CHECK(at->xMax == Approx(545.3).margin(1.0));
  CHECK(at->xMin > 60);
  // Every word exact. pdftotext reads a page of mostly left-to-right text line by line from the
  // left, each right-to-left stretch in logical order: a line's stretches come out in visual
  // order (docs/pdf.md), here the Urdu ending the paragraph before the English of its line.
  const std::string extracted =
      squash(withoutEmbeddingMarks(run("pdftotext -enc UTF-8 -f 1 -l 1 '" + pdf + "' -")));
  INFO(extracted);
  CHECK(contains(extracted, "میرا بیٹا احمد اسکول جاتا ہے۔"));
  CHECK(contains(extracted,
                 ". اور وہ اب خوش ہے Tom Baker have seen him every week since "
                 "September 2024 in the small room"));
}

namespace {

struct Voice {
  const char* language;
  const char* name;      // a child's or parent's name in the script
  const char* sentence;  // a parent's view of their child
};

// Real sentences, as a parent would write them, in the languages of England's schools.
const std::vector<Voice> kVoices{
    {"Urdu", "عائشہ ملک",
     "میرا بیٹا احمد اسکول جانا پسند کرتا ہے اور اپنے دوستوں کے ساتھ کھیلتا ہے۔"},
    {"Arabic", "مريم العلي", "ابنتي مريم تحب القراءة وتحتاج إلى مساعدة إضافية في الرياضيات."},
    {"Punjabi (Gurmukhi)", "ਹਰਪ੍ਰੀਤ ਕੌਰ", "ਮੇਰੀ ਧੀ ਨੂੰ ਸਕੂਲ ਵਿੱਚ ਪੜ੍ਹਨਾ ਬਹੁਤ ਪਸੰਦ ਹੈ।"},
    {"Punjabi (Shahmukhi)", "ہرپریت کور", "میری دھی نوں سکول وچ پڑھنا بہت پسند اے۔"},
    {"Bengali", "রাফি আহমেদ", "আমার ছেলে রাফি গণিত ভালোবাসে, কিন্তু পড়তে তার সাহায্য দরকার।"},
    {"Gujarati", "પ્રિયા પટેલ", "મારી દીકરી શાળામાં ખૂબ ખુશ છે અને નવા મિત્રો બનાવે છે."},
    {"Tamil", "அருண் குமார்", "என் மகன் பள்ளியில் நண்பர்களுடன் விளையாட விரும்புகிறான்."},
    {"Somali", "Cabdi Maxamed",
     "Wiilkaygu wuxuu jecel yahay dugsiga, laakiin wuxuu u baahan yahay caawimaad dheeraad ah."},
    {"Polish", "Łukasz Wójcik",
     "Mój syn Łukasz lubi szkołę, ale potrzebuje więcej czasu na czytanie."},
    {"Romanian", "Ștefan Popescu",
     "Fiica mea își dorește să învețe să citească și să scrie mai bine."},
    {"Lithuanian", "Gabrielė Kazlauskaitė",
     "Mano dukra labai mėgsta piešti ir žaisti su draugais mokykloje."},
    {"Portuguese", "João Gonçalves",
     "O meu filho João gosta muito de música e precisa de ajuda com a leitura."},
    {"Turkish", "Ayşe Yılmaz", "Kızım okulda çok mutlu, öğretmenini ve arkadaşlarını çok seviyor."},
    {"Chinese (simplified)", "王小明", "我的女儿很喜欢上学，但是她需要更多的阅读帮助。"},
    {"Chinese (traditional)", "陳美玲", "我的兒子很喜歡畫畫，但是他需要更多的說話練習。"},
    {"Ukrainian", "Тарас Коваленко",
     "Мій син Тарас любить математику і потребує допомоги з читанням."},
    {"Tigrinya", "ሳባ ተስፋይ", "ወደይ ኣብ ቤት ትምህርቲ ምጽሓፍን ምንባብን ይፈቱ።"},
    {"Pashto", "احمد شاه", "زما زوی احمد ښوونځي ته تلل خوښوي او ډېر ملګري لري."},
};

std::string noSpaces(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(),
                         [](char c) { return c == ' ' || c == '\n' || c == '\f' || c == '\r'; }),
          s.end());
  return s;
}

PdfDocument voicesPlan() {
  PdfDocument d = sendflow::samples::samplePlan();
  PdfSection names{"Family names", "", {}};
  PdfSection views{"Parents' views", "", {}};
  PdfTable table;
  table.columns = {{"Language", 1}, {"Name", 1.2f}, {"In their words", 3}};
  for (std::size_t i = 0; i < kVoices.size(); ++i) {
    const Voice& v = kVoices[i];
    names.items.push_back({"name" + std::to_string(i), v.language, PdfText{v.name}, ""});
    views.items.push_back(longTextItem("view" + std::to_string(i), v.language, v.sentence));
    table.rows.push_back({v.language, v.name, v.sentence});
  }
  views.items.push_back({"table", "Everyone's view", table, ""});
  d.sections.insert(d.sections.begin(), std::move(views));
  d.sections.insert(d.sections.begin(), std::move(names));
  d.signatures.clear();
  for (std::size_t i = 0; i < kVoices.size(); ++i) {
    PdfSignature sig;
    sig.role = std::string("Parent / carer (") + kVoices[i].language + ")";
    sig.name = kVoices[i].name;
    sig.signedAt = d.header.versionDate + std::chrono::hours{static_cast<int>(i)};
    sig.method = "Typed";
    d.signatures.push_back(sig);
  }
  return d;
}

}  // namespace

TEST_CASE("every family's script is drawn and extracts exactly: names, answers, tables, signatures",
          "[pdf][scripts]") {
  const PdfDocument d = voicesPlan();
  const RenderedPdf out = renderer().render(d);
  {
    // The same bytes from a renderer that loaded its faces in another order (another process:
    // the CLI beside the server) and has subset them before.
    const sendflow::testing::TestFonts fonts;
    const PdfRenderer other(fonts);
    PdfDocument first = sendflow::samples::samplePlan();
    first.sections[0].items.push_back({"zh", "Chinese", PdfText{"王小明"}, ""});
    first.sections[0].items.push_back({"ta", "Tamil", PdfText{"அருண் குமார்"}, ""});
    other.render(first);
    CHECK(other.render(d).bytes == out.bytes);
    CHECK(renderer().render(d).bytes == out.bytes);
  }
  const std::string pdf = save("voices.pdf", out.bytes);
  checkValid(pdf);
  CHECK(out.placeholderFields.empty());
  const std::string all = squash(withoutEmbeddingMarks(text(pdf)));
  const std::string packed = noSpaces(withoutEmbeddingMarks(text(pdf)));
  CHECK_FALSE(contains(all, "not shown"));
  for (const Voice& v : kVoices) {
    INFO(v.language);
    CHECK(contains(all, v.name));
    // The answer as typed, in logical order; where a table cell or line wraps (Chinese breaks
    // between ideographs), without the line breaks. An ASCII full stop ending a right-to-left
    // line is read by pdftotext before the line (it reads the page's lines left to right,
    // docs/pdf.md): the sentence is checked without it, and the stop before it.
    std::string sentence = v.sentence;
    const bool rtlStop =
        (v.language == std::string("Arabic") || v.language == std::string("Pashto"));
    if (rtlStop) {
      REQUIRE(sentence.back() == '.');
      sentence.pop_back();
      CHECK(contains(all, ". " + sentence));
    }
    CHECK(contains(all, sentence));
    CHECK(contains(packed, noSpaces(sentence)));
  }
  // The script faces are embedded subsets; the CJK face as CFF (CID Type 0C).
  const std::string fonts = run("pdffonts '" + pdf + "'");
  INFO(fonts);
  for (const char* face :
       {"NotoNastaliqUrdu", "NotoNaskhArabic", "NotoSansBengali", "NotoSansGurmukhi",
        "NotoSansGujarati", "NotoSansTamil", "NotoSansEthiopic", "NotoSansCJK"}) {
    CHECK(contains(fonts, face));
  }
  fs::path artefacts = fs::path(SENDFLOW_SOURCE_ROOT) / "tests/artifacts/pdf";
  fs::create_directories(artefacts);
  CHECK(std::system(("pdftoppm -png -r 80 -f 1 -l 3 '" + pdf + "' '" +
                     (artefacts / "voices").string() + "' 2>/dev/null")
                        .c_str()) == 0);
}

TEST_CASE("signature slots, an unreadable logo and the audit certificate page", "[pdf]") {
  PdfDocument d = sendflow::samples::samplePlan();
  d.header.logoPng = "not a png";
  d.signatures[1].name = "Ayşe Ağca";
  d.signatures[1].signedAt = d.header.versionDate + std::chrono::hours{30};
  d.signatures[1].method = "Drawn";
  d.signatures[1].drawnPng = "also not a png";
  PdfAuditCertificate cert;
  cert.intro = "This certificate records how the plan above was signed.";
  cert.rows = {{"Document", "SEN Support Plan, version 4"},
               {"Content hash (SHA-256)", d.header.contentHash},
               {"Sealed", std::nullopt}};
  PdfTable events;
  events.columns = {{"When", 1.5f}, {"Who", 2}, {"What", 3}};
  events.rows = {{"12 March 2026, 12:15 UTC", "Mrs Grace Adeyemi", "Signed (typed), IP 192.0.2.4"},
                 {"13 March 2026, 16:15 UTC", "Ayşe Ağca", "Signed (drawn), IP 198.51.100.7"}};
  cert.table = events;
  cert.tableTitle = "Signing events";
  d.auditCertificate = cert;
  RenderedPdf out = renderer().render(d);
  std::string pdf = save("signed.pdf", out.bytes);
  checkValid(pdf);
  std::string all = squash(text(pdf));
  CHECK(contains(all, "[logo could not be shown]"));
  CHECK(contains(all, "Signed (drawn image could not be shown) by Ayşe Ağca"));
  std::string last = squash(text(pdf, out.pages));
  CHECK(contains(last, "Audit certificate"));
  CHECK(contains(last, "Signing events"));
  std::string joined = last;  // a 64-digit hash wraps inside its cell
  joined.erase(std::remove(joined.begin(), joined.end(), ' '), joined.end());
  CHECK(contains(joined, d.header.contentHash));
  CHECK(contains(last, "Signed (drawn), IP 198.51.100.7"));
  CHECK(contains(last, "Page " + std::to_string(out.pages) + " of " + std::to_string(out.pages)));
}

TEST_CASE("a font that is not TrueType is an infrastructure error", "[pdf]") {
  const sendflow::testing::TestFonts notFont("definitely not a font", "definitely not a font");
  CHECK_THROWS_AS(PdfRenderer(notFont), InfraError);
  const sendflow::testing::TestFonts truncated(std::string("\0\1\0\0\0\1", 6) + "xxxxxxxx", "x");
  CHECK_THROWS_AS(PdfRenderer(truncated), InfraError);
}

namespace {

struct RefGlyph {
  long gid = 0;
  double dx = 0, dy = 0, advance = 0;  // 1/1000 em
};

// hb-shape's glyphs for `text` in `font` at 1000 units per em, in visual order.
std::vector<RefGlyph> hbShape(const std::string& font, const std::string& language,
                              const std::string& text) {
  const std::string out = run("hb-shape --font-size=1000 --no-glyph-names --language=" + language +
                              " '" + font + "' '" + text + "'");
  std::vector<RefGlyph> glyphs;
  const std::size_t open = out.find('['), close = out.rfind(']');
  REQUIRE(open != std::string::npos);
  REQUIRE(close != std::string::npos);
  std::istringstream in(out.substr(open + 1, close - open - 1));
  for (std::string item; std::getline(in, item, '|');) {
    RefGlyph g;
    g.gid = std::stol(item.substr(0, item.find('=')));
    const std::size_t at = item.find('@'), plus = item.rfind('+');
    if (at != std::string::npos) {
      const std::size_t comma = item.find(',', at);
      g.dx = std::stod(item.substr(at + 1, comma - at - 1));
      g.dy = std::stod(item.substr(comma + 1, plus - comma - 1));
    }
    g.advance = std::stod(item.substr(plus + 1));
    glyphs.push_back(g);
  }
  return glyphs;
}

struct DrawnGlyph {
  long gid = 0;
  double x = 0, y = 0;
};

// The glyphs mutool trace lists on page 1 in spans of the font whose name contains `face`.
std::vector<DrawnGlyph> traced(const std::string& pdf, const std::string& face) {
  std::istringstream in(run("mutool trace '" + pdf + "' 1"));
  std::vector<DrawnGlyph> out;
  bool inside = false;
  auto attr = [](const std::string& line, const std::string& name) -> std::optional<std::string> {
    const std::size_t at = line.find(" " + name + "=\"");
    if (at == std::string::npos) return std::nullopt;
    const std::size_t from = at + name.size() + 3;
    return line.substr(from, line.find('"', from) - from);
  };
  for (std::string line; std::getline(in, line);) {
    if (contains(line, "<span ")) inside = contains(line, face);
    if (contains(line, "</span>")) inside = false;
    if (!inside || !contains(line, "<g ")) continue;
    auto gid = attr(line, "glyph");
    if (!gid) continue;  // a further character of the same glyph's text
    out.push_back({std::stol(*gid), std::stod(*attr(line, "x")), std::stod(*attr(line, "y"))});
  }
  return out;
}

}  // namespace

TEST_CASE("the glyphs drawn are HarfBuzz's reference shaping (hb-shape) of the same text",
          "[pdf][scripts]") {
  struct Case {
    const char* face;  // font name in the PDF
    const char* file;
    const char* language;
    const char* text;
    double size;  // points: 10, Nastaliq drawn at 0.8 of the line's size
  };
  const std::string noto = "/usr/share/fonts/truetype/noto/";
  const std::vector<Case> cases{
      {"NotoSansBengali", "NotoSansBengali-Regular.ttf", "bn", "আমার ছেলে রাফি গণিত ভালোবাসে", 10},
      {"NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf", "ar", "ابنتي مريم تحب القراءة", 10},
      {"NotoNastaliqUrdu", "NotoNastaliqUrdu-Regular.ttf", "ur", "میرا بیٹا احمد اسکول جاتا ہے", 8},
  };
  PdfDocument d = sendflow::samples::samplePlan();
  PdfSection s{"Shaping", "", {}};
  for (const Case& c : cases) s.items.push_back({c.face, c.face, PdfText{c.text}, ""});
  d.sections.insert(d.sections.begin(), std::move(s));
  const std::string pdf = save("reference_shaping.pdf", renderer().render(d).bytes);
  for (const Case& c : cases) {
    INFO(c.face);
    const std::vector<RefGlyph> ref = hbShape(noto + c.file, c.language, c.text);
    std::vector<DrawnGlyph> drawn = traced(pdf, c.face);
    REQUIRE(drawn.size() >= ref.size());  // (Nastaliq: the invisible text carriers follow)
    drawn.resize(ref.size());
    // The same glyphs: the subset renumbers glyphs keeping their order, so the drawn ids are an
    // order-preserving one-to-one image of hb-shape's.
    for (std::size_t i = 0; i < ref.size(); ++i) {
      for (std::size_t j = 0; j < ref.size(); ++j) {
        INFO(i << " " << j);
        CHECK((ref[i].gid == ref[j].gid) == (drawn[i].gid == drawn[j].gid));
        CHECK((ref[i].gid < ref[j].gid) == (drawn[i].gid < drawn[j].gid));
      }
    }
    // The same positions: advances and offsets, relative to the first glyph.
    double pen = 0;
    int ySign = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      INFO("glyph " << i);
      const double ex = (pen + ref[i].dx - ref[0].dx) * c.size / 1000;
      const double ey = (ref[i].dy - ref[0].dy) * c.size / 1000;
      CHECK(std::abs(drawn[i].x - drawn[0].x - ex) < 0.05);
      const double dy = drawn[i].y - drawn[0].y;
      if (ySign == 0 && std::abs(ey) > 0.1) ySign = dy * ey > 0 ? 1 : -1;  // trace's y axis
      CHECK(std::abs(dy - (ySign == 0 ? 1 : ySign) * ey) < 0.05);
      pen += ref[i].advance;
    }
  }
  // A page to look at (tests/artifacts/pdf/reference_shaping-1.png).
  fs::path artefacts = fs::path(SENDFLOW_SOURCE_ROOT) / "tests/artifacts/pdf";
  fs::create_directories(artefacts);
  CHECK(std::system(("pdftoppm -png -r 110 -f 1 -l 1 '" + pdf + "' '" +
                     (artefacts / "reference_shaping").string() + "' 2>/dev/null")
                        .c_str()) == 0);
}

namespace {

// Debian's fonts, counting which script faces the renderer asks for.
class CountingFonts final : public PdfFontSource {
 public:
  std::string fontBytes(PdfFontRole role) const override { return fonts_.fontBytes(role); }
  std::optional<PdfFontFile> scriptFont(std::string_view family, bool bold) const override {
    asked.push_back(std::string(family) + (bold ? " bold" : ""));
    return fonts_.scriptFont(family, bold);
  }
  mutable std::vector<std::string> asked;

 private:
  sendflow::testing::TestFonts fonts_;
};

}  // namespace

TEST_CASE("script faces are loaded only when a document uses their script", "[pdf][scripts]") {
  const CountingFonts fonts;
  const PdfRenderer r(fonts);
  const PdfDocument latin = unicodePlan();  // Latin, Greek, Cyrillic: DejaVu only
  const RenderedPdf a = r.render(latin);
  CHECK(fonts.asked.empty());
  // The same bytes as a renderer with no script faces at all.
  const sendflow::testing::TestFonts dejaVu;
  const sendflow::testing::TestFonts none(dejaVu.fontBytes(PdfFontRole::kRegular),
                                          dejaVu.fontBytes(PdfFontRole::kBold));
  CHECK(PdfRenderer(none).render(latin).bytes == a.bytes);

  PdfDocument bengali = latin;
  bengali.sections[0].items.push_back({"bn", "Bengali", PdfText{"আমার ছেলে রাফি"}, ""});
  const RenderedPdf b = r.render(bengali);
  CHECK(fonts.asked == std::vector<std::string>{"NotoSansBengali"});
  r.render(bengali);  // once per renderer
  CHECK(fonts.asked.size() == 1);
  // Without the Noto faces, the same text is a visible placeholder, reported.
  const RenderedPdf c = PdfRenderer(none).render(bengali);
  CHECK(c.placeholderFields == std::vector<std::string>{"bn"});
  CHECK(contains(squash(text(save("no_noto.pdf", c.bytes))),
                 "[Bengali text not shown — see the online record]"));
}
