// Issue 4 benchmark: a representative 3-page plan rendered by the libharu renderer, beside
// python3-reportlab (TTF font) and warm headless Chromium (playwright-core) printing the same
// content, all in one run. Prints median and p99 ms per document, documents/s on 2 workers,
// peak memory and output size. Issue 15: also `sendflow render --plan ID` as a whole process
// (start-up included, on a demo home) beside one reportlab process rendering one document.
// Issue 16: the same plan with its answers, names, a table and typed signatures in Urdu, Arabic,
// Bengali, Chinese, Polish, Somali, Tigrinya and Punjabi, beside today's Latin-only render and
// beside warm Chromium's page.pdf of the same content (system fonts): time, size, pages, and how
// many placeholders ("[… text not shown …]") and exact strings pdftotext finds in each PDF.
// Usage: bench_pdf_render --help
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../support/pdf_fonts.h"
#include "app/font_files.h"
#include "bench_support.h"
#include "pdf/mixed_script_plan.h"
#include "pdf/sample_plan.h"
#include "sendflow/engine/documents/pdf/pdf.h"

using namespace sendflow::engine;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

std::string esc(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c == '\n') {
      o += "\\n";
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o + "\"";
}
std::string opt(const std::optional<std::string>& s) { return s ? esc(*s) : "null"; }

// The plan as simple JSON for the peer scripts (same words, same structure).
std::string toJson(const PdfDocument& d) {
  const PdfHeader& h = d.header;
  std::string footer = "Version " + std::to_string(h.version) + " · " +
                       ukDate(dateOf(h.versionDate)) + " · content hash " +
                       h.contentHash.substr(0, 12);
  std::string j = "{\"header\":{\"academy\":" + esc(h.academyName) + ",\"title\":" + esc(h.title) +
                  ",\"pupil\":" + esc(h.pupilName) + ",\"dob\":" + esc(ukDate(*h.dateOfBirth)) +
                  ",\"year\":" + esc(h.yearGroup) + ",\"state\":" + esc(h.planState) +
                  ",\"version\":" +
                  esc(std::to_string(h.version) + " (" + ukDate(dateOf(h.versionDate)) + ")") +
                  ",\"review\":" + esc(d.reviewDate ? ukDate(*d.reviewDate) : "—") +
                  ",\"confidentiality\":" + esc(h.confidentiality) + ",\"footer\":" + esc(footer) +
                  "},\"sections\":[";
  auto table = [](const PdfTable& t) {
    std::string cols, weights, rows;
    auto add = [](std::string& list, const std::string& value) {
      if (!list.empty()) list.push_back(',');
      list.append(value);
    };
    for (auto& c : t.columns) {
      add(cols, esc(c.header));
      add(weights, std::to_string(c.weight));
    }
    for (auto& r : t.rows) {
      std::string row;
      for (auto& c : r) add(row, opt(c));
      add(rows, "[" + row + "]");
    }
    return "\"columns\":[" + cols + "],\"weights\":[" + weights + "],\"rows\":[" + rows + "]";
  };
  bool firstSection = true;
  auto deadlines = d.sections;
  if (!d.deadlines.empty()) {
    PdfTable t;
    t.columns = {{"Deadline", 3}, {"Due date", 1.6f}, {"Status", 1.4f}};
    for (auto& dl : d.deadlines) t.rows.push_back({dl.name, ukDate(*dl.due), dl.status});
    deadlines.push_back({"Review deadlines", "", {PdfItem{"deadlines", "", t, ""}}});
  }
  for (auto& s : deadlines) {
    j += std::string(firstSection ? "" : ",") + "{\"title\":" + esc(s.title) + ",\"items\":[";
    firstSection = false;
    bool firstItem = true;
    for (auto& it : s.items) {
      j += std::string(firstItem ? "" : ",") + "{\"label\":" + esc(it.label) + ",";
      firstItem = false;
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, PdfText>) {
              j += "\"kind\":\"text\",\"value\":" + opt(v.value);
            } else if constexpr (std::is_same_v<T, PdfLongText>) {
              j += "\"kind\":\"long\",\"value\":" + opt(v.text);
            } else if constexpr (std::is_same_v<T, PdfYesNo>) {
              j += std::string("\"kind\":\"text\",\"value\":") +
                   (v.value ? (*v.value ? "\"Yes\"" : "\"No\"") : "null");
            } else if constexpr (std::is_same_v<T, PdfChoice>) {
              std::string o, c;
              for (auto& x : v.options) o.append(o.empty() ? "" : ",").append(esc(x));
              for (auto& x : v.chosen) c.append(c.empty() ? "" : ",").append(esc(x));
              j += "\"kind\":\"choice\",\"options\":[" + o + "],\"chosen\":[" + c + "]";
            } else if constexpr (std::is_same_v<T, PdfTable>) {
              j += "\"kind\":\"table\"," + table(v);
            } else {
              j += "\"kind\":\"rating\",\"value\":" + esc(v.score.value_or("") + " — " + v.band);
            }
          },
          it.content);
      j += "}";
    }
    j += "]}";
  }
  j += "],\"signatures\":[";
  bool first = true;
  for (auto& s : d.signatures) {
    j += std::string(first ? "" : ",") + "{\"role\":" + esc(s.role) + ",\"name\":" + opt(s.name) +
         ",\"date\":" + (s.signedAt ? esc(ukDate(dateOf(*s.signedAt))) : "null") + "}";
    first = false;
  }
  return j + "]}";
}

struct Figures {
  double median = 0, p90 = 0, p99 = 0, docsPerSecond2 = 0;
  long peakKb = 0;
  std::size_t bytes = 0;
};

double ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

long peakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

Figures measure(const PdfRenderer& r, const PdfDocument& d, int n) {
  Figures f;
  f.bytes = r.render(d).bytes.size();
  for (int i = 0; i < 5; ++i) r.render(d);
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    auto a = Steady::now();
    r.render(d);
    t.push_back(ms(Steady::now() - a));
  }
  std::sort(t.begin(), t.end());
  f.median = t[t.size() / 2];
  f.p99 = t[std::min(t.size() - 1, t.size() * 99 / 100)];
  std::atomic<int> left{n};
  auto a = Steady::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&] {
      while (left.fetch_sub(1) > 0) r.render(d);
    });
  }
  for (auto& w : workers) w.join();
  f.docsPerSecond2 = n / (ms(Steady::now() - a) / 1000);
  f.peakKb = peakRssKb();
  return f;
}

bool parsePeer(const std::string& json, Figures& f) {
  auto num = [&](const char* key) {
    auto at = json.find(std::string("\"") + key + "\":");
    return at == std::string::npos ? -1.0 : std::atof(json.c_str() + at + std::strlen(key) + 3);
  };
  if (num("median_ms") < 0) return false;
  f.median = num("median_ms");
  f.p90 = num("p90_ms");
  f.p99 = num("p99_ms");
  f.docsPerSecond2 = num("docs_per_s_2_workers");
  f.peakKb = static_cast<long>(num("peak_rss_kb"));
  f.bytes = static_cast<std::size_t>(num("bytes"));
  return true;
}

std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

void print(const char* name, const Figures& f, const Figures* base) {
  std::printf("%-34s %9.2f %9.2f %12.1f %10.1f %9.1f", name, f.median, f.p99, f.docsPerSecond2,
              static_cast<double>(f.peakKb) / 1024, static_cast<double>(f.bytes) / 1024);
  if (base && f.median > 0) std::printf("   %6.1fx", f.median / base->median);
  std::printf("\n");
}

constexpr const char* kUsage =
    "usage: bench_pdf_render [ITERATIONS] [--iterations=N] [--no-peers] [--processes=N]\n"
    "                        [--sendflow=PATH] [--no-mixed | --only-mixed] [--help]\n"
    "  ITERATIONS, --iterations=N  documents per in-process figure (default 200)\n"
    "  --no-peers                  skip reportlab and Chromium\n"
    "  --no-mixed                  skip the mixed-script table (issue 16)\n"
    "  --only-mixed                print only the mixed-script table: the plan with answers in\n"
    "                              Urdu, Arabic, Bengali, Chinese, Polish, Somali, Tigrinya and\n"
    "                              Punjabi beside its Latin-only original and beside Chromium\n"
    "                              (needs pdftotext and pdfinfo, poppler-utils)\n"
    "  --processes=N               whole-process runs of `sendflow render` and of one reportlab\n"
    "                              process (default 20; 0 skips that table)\n"
    "  --sendflow=PATH             the sendflow binary for the whole-process row (default: this\n"
    "                              build's)\n"
    "  NODE_PATH                   where the Chromium peer finds playwright-core (scripts/bench\n"
    "                              sets it; default: the checkout's node_modules)\n"
    "--duration=S and --warmup=S (BENCH_ARGS for the request benchmarks) are accepted and "
    "ignored.\n";

struct Options {
  int iterations = 200;
  bool peers = true;
  bool mixed = true;
  bool onlyMixed = false;
  int processes = 20;
  std::string sendflow;  // default: web/sendflow of this build
};

// Whole numbers only ("3abc" and "" are refused); exits 2 with the usage on a bad argument.
int wholeNumber(const std::string& text, const std::string& what, int min) {
  const auto v = sendflow::bench::wholeNumberOf(text);
  if (!v || *v < min) {
    std::fprintf(stderr, "bench_pdf_render: %s must be a whole number >= %d, not '%s'\n%s",
                 what.c_str(), min, text.c_str(), kUsage);
    std::exit(2);
  }
  return *v;
}

Options parseOptions(int argc, char** argv) {
  Options o;
  o.sendflow = (fs::canonical("/proc/self/exe").parent_path() / "../web/sendflow")
                   .lexically_normal()
                   .string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* key) -> std::optional<std::string> {
      const std::string k = std::string(key) + "=";
      if (a.rfind(k, 0) == 0) return a.substr(k.size());
      return std::nullopt;
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--no-peers") {
      o.peers = false;
    } else if (a == "--no-mixed") {
      o.mixed = false;
    } else if (a == "--only-mixed") {
      o.onlyMixed = true;
    } else if (auto v = value("--iterations")) {
      o.iterations = wholeNumber(*v, "--iterations", 1);
    } else if (auto v2 = value("--processes")) {
      o.processes = wholeNumber(*v2, "--processes", 0);
    } else if (auto v3 = value("--sendflow")) {
      o.sendflow = *v3;
    } else if (value("--duration") || value("--warmup")) {
      continue;
    } else if (!a.empty() && a[0] != '-') {
      o.iterations = wholeNumber(a, "ITERATIONS", 1);
    } else {
      std::fprintf(stderr, "bench_pdf_render: unknown argument %s\n%s", a.c_str(), kUsage);
      std::exit(2);
    }
  }
  if (o.onlyMixed && !o.mixed) {
    std::fprintf(stderr, "bench_pdf_render: --no-mixed and --only-mixed exclude each other\n%s",
                 kUsage);
    std::exit(2);
  }
  return o;
}

struct ProcessTime {
  double wall = -1, cpu = -1;  // ms; cpu: user + system of the child (robust on shared cores)
};

// Runs argv as its own process (stdout and stderr to /dev/null) with `env` added; its times, or
// wall -1 when it fails.
ProcessTime timeProcess(const std::vector<std::string>& argv,
                        const std::vector<std::pair<std::string, std::string>>& env) {
  auto t0 = Steady::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    FILE* null = std::fopen("/dev/null", "w");
    if (null) {
      ::dup2(fileno(null), 1);
      ::dup2(fileno(null), 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  return {ms(Steady::now() - t0), tv(ru.ru_utime) + tv(ru.ru_stime)};
}

struct ProcessFigures {
  double median = -1, p90 = -1, cpuMedian = -1;
};

ProcessFigures timeProcesses(int n, const std::vector<std::string>& argv,
                             const std::vector<std::pair<std::string, std::string>>& env) {
  if (timeProcess(argv, env).wall < 0) return {};  // warm-up (page cache), and does it work
  std::vector<double> t, cpu;
  for (int i = 0; i < std::max(n, 1); ++i) {
    const ProcessTime v = timeProcess(argv, env);
    if (v.wall < 0) return {};
    t.push_back(v.wall);
    cpu.push_back(v.cpu);
  }
  std::sort(t.begin(), t.end());
  std::sort(cpu.begin(), cpu.end());
  return {t[t.size() / 2], t[std::min(t.size() - 1, t.size() * 9 / 10)], cpu[cpu.size() / 2]};
}

// `sendflow render --plan 1` as a whole process on a demo home (seeded once by `sendflow demo`),
// beside a python3 process that imports reportlab, registers the fonts and renders the same
// document once: both start cold as processes, with the files in the page cache.
void wholeProcessRows(const Options& o, const fs::path& dir, const std::string& planJson) {
  const fs::path home = dir / "home";
  fs::remove_all(home);
  const std::vector<std::pair<std::string, std::string>> noConfig = {
      {"SENDFLOW_HOME", home.string()}};
  if (timeProcess({o.sendflow, "demo"}, noConfig).wall < 0) {
    std::printf("\nwhole process: `%s demo` failed; no whole-process rows\n", o.sendflow.c_str());
    return;
  }
  const std::string out = (dir / "cli.pdf").string();
  ProcessFigures ours =
      timeProcesses(o.processes, {o.sendflow, "render", "--plan", "1", "--out", out}, noConfig);
  ProcessFigures version = timeProcesses(o.processes, {o.sendflow, "version"}, noConfig);
  ProcessFigures rl;
  if (o.peers)
    rl = timeProcesses(
        o.processes,
        {"/usr/bin/python3", SENDFLOW_SOURCE_ROOT "/tests/bench/pdf/reportlab_render.py", planJson,
         "1", (dir / "reportlab-once.pdf").string()},
        {});
  std::printf(
      "\nwhole process, start-up included (%d runs each, wall ms; goal for sendflow: <= 10 ms)\n",
      o.processes);
  std::printf("%-48s %9s %9s %13s\n", "process", "median ms", "p90 ms", "cpu median ms");
  auto row = [](const char* name, const ProcessFigures& f) {
    if (f.median < 0)
      std::printf("%-48s %9s\n", name, "failed");
    else
      std::printf("%-48s %9.1f %9.1f %13.1f\n", name, f.median, f.p90, f.cpuMedian);
  };
  row("sendflow render --plan 1 (demo home)", ours);
  row("sendflow version (process start-up alone)", version);
  if (o.peers) row("python3 reportlab, one document (same plan)", rl);
}

// --- the mixed-script plan (issue 16) ----------------------------------------------------------

struct Timing {
  double median = -1, p90 = -1;  // ms
};

Timing timeRenders(const PdfRenderer& r, const PdfDocument& d, int n) {
  for (int i = 0; i < 5; ++i) r.render(d);
  std::vector<double> t;
  t.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto a = Steady::now();
    r.render(d);
    t.push_back(ms(Steady::now() - a));
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t[std::min(t.size() - 1, t.size() * 9 / 10)]};
}

std::string shellQuoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// What poppler-utils read back from a PDF: -1 where the tool could not run or read it.
struct ReadBack {
  int pages = -1;         // pdfinfo's "Pages:"
  int placeholders = -1;  // "[… text not shown — see the online record]" in pdftotext's text
  int found = -1;         // `needles` that pdftotext gives back exactly (whitespace aside)
};

ReadBack readBack(const fs::path& pdf, const std::vector<std::string>& needles) {
  ReadBack r;
  const std::string info = capture("pdfinfo " + shellQuoted(pdf.string()) + " 2>/dev/null");
  for (std::size_t at = 0; at < info.size();) {
    const std::size_t end = std::min(info.find('\n', at), info.size());
    if (info.compare(at, 6, "Pages:") == 0) {
      const std::string n = info.substr(at + 6, end - at - 6);
      const auto first = n.find_first_not_of(' ');
      if (first != std::string::npos)
        r.pages = sendflow::bench::wholeNumberOf(n.substr(first)).value_or(-1);
    }
    at = end + 1;
  }
  const std::string text =
      capture("pdftotext -q -enc UTF-8 " + shellQuoted(pdf.string()) + " - 2>/dev/null");
  if (text.empty()) return r;
  // A placeholder may wrap over lines, and wrapped words gain line breaks: compare the text with
  // its white space collapsed (placeholders) or removed (exact strings, CJK wraps anywhere).
  // pdftotext marks right-to-left lines with bidi controls (U+202B … U+202C): dropped too.
  auto space = [](unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f';
  };
  auto bidiControlAt = [&](std::size_t i) {  // U+200E/F, U+202A-E, U+2066-9 in UTF-8
    if (i + 2 >= text.size() || static_cast<unsigned char>(text[i]) != 0xE2) return false;
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    const auto b2 = static_cast<unsigned char>(text[i + 2]);
    return (b1 == 0x80 && (b2 == 0x8E || b2 == 0x8F || (b2 >= 0xAA && b2 <= 0xAE))) ||
           (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9);
  };
  std::string collapsed, bare;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (bidiControlAt(i)) {
      i += 2;
    } else if (space(c)) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += static_cast<char>(c);
      bare += static_cast<char>(c);
    }
  }
  r.placeholders = 0;
  const std::string phrase = "not shown — see the online record";
  for (auto at = collapsed.find(phrase); at != std::string::npos;
       at = collapsed.find(phrase, at + phrase.size()))
    ++r.placeholders;
  if (!needles.empty()) {
    r.found = 0;
    for (const auto& needle : needles) {
      std::string n;
      for (unsigned char c : needle)
        if (!space(c)) n += static_cast<char>(c);
      r.found += bare.find(n) != std::string::npos;
    }
  }
  return r;
}

// Warm Chromium printing the plan in `json` (tests/bench/pdf/chromium_render.cjs); playwright-core
// is found through NODE_PATH (scripts/bench installs the peers' node packages outside the source
// tree), else in the checkout's own node_modules. nullopt (with what it printed) when it failed.
std::optional<Figures> chromiumPeer(const std::string& json, int n, const fs::path& out,
                                    std::string& printed) {
  printed = capture("cd " + shellQuoted(SENDFLOW_SOURCE_ROOT) +
                    " && node tests/bench/pdf/chromium_render.cjs " + shellQuoted(json) + " " +
                    std::to_string(n) + " " + shellQuoted(out.string()) + " 2>&1");
  Figures f;
  if (!parsePeer(printed, f)) return std::nullopt;
  return f;
}

// The mixed-script plan and its Latin-only original, each rendered here with the server's default
// fonts and printed by warm Chromium: time, size, pages, placeholders and exact strings found.
void mixedScriptTable(const Options& o, const fs::path& dir) {
  const sendflow::web::FontFiles fonts;  // what `sendflow serve` draws with when pdf.* is unset
  const auto t0 = Steady::now();
  const PdfRenderer renderer(fonts);
  const double startup = ms(Steady::now() - t0);
  const auto& needles = sendflow::samples::mixedScriptNeedles();
  const int n = o.iterations;
  const int peerN = std::max(20, n / 4);

  struct Row {
    std::string document, renderer;
    Timing time;
    std::size_t bytes = 0;
    ReadBack back;
    int placeholderFields = -1;  // RenderedPdf::placeholderFields (sendflow rows)
    double fasterThanChromium = -1;
  };
  std::vector<Row> rows;
  std::vector<std::string> failures;
  auto measureDocument = [&](const PdfDocument& d, const std::string& name, const std::string& file,
                             const std::vector<std::string>& find) {
    const RenderedPdf out = renderer.render(d);
    std::ofstream(dir / (file + ".pdf"), std::ios::binary) << out.bytes;
    Row ours{name,
             "sendflow (libharu)",
             timeRenders(renderer, d, n),
             out.bytes.size(),
             readBack(dir / (file + ".pdf"), find),
             static_cast<int>(out.placeholderFields.size())};
    if (!o.peers) {
      rows.push_back(ours);
      return;
    }
    std::ofstream(dir / (file + ".json")) << toJson(d);
    std::string printed;
    const fs::path chromiumPdf = dir / (file + "-chromium.pdf");
    const auto cr = chromiumPeer((dir / (file + ".json")).string(), peerN, chromiumPdf, printed);
    if (!cr) {
      rows.push_back(ours);
      failures.push_back("Chromium on the " + name + " failed: " + printed);
      return;
    }
    ours.fasterThanChromium = cr->median / ours.time.median;
    rows.push_back(ours);
    rows.push_back({name,
                    "Chromium page.pdf (warm)",
                    {cr->median, cr->p90},
                    cr->bytes,
                    readBack(chromiumPdf, find),
                    -1,
                    -1});
  };
  measureDocument(sendflow::samples::samplePlan(), "Latin-only plan", "latin", {});
  measureDocument(sendflow::samples::mixedScriptPlan(), "mixed-script plan", "mixed", needles);

  std::printf(
      "\nMixed scripts (issue 16): the 3-page plan with answers, names, a table and typed "
      "signatures\nin Urdu, Arabic, Bengali, Chinese, Polish, Somali, Tigrinya and Punjabi, beside "
      "its Latin-only\noriginal; sendflow with the server's default fonts (start-up %.1f ms), %d "
      "documents each,\n%s. placeholders: \"[… text not shown …]\" in pdftotext's text "
      "(fields with one);\nexact: of the %zu non-Latin names and sentences, how many pdftotext "
      "gives back.\n",
      startup, n,
      o.peers ? ("Chromium " + std::to_string(peerN)).c_str() : "no Chromium (--no-peers)",
      needles.size());
  std::printf("%-18s %-25s %9s %8s %8s %5s %14s %7s %15s\n", "document", "renderer", "median ms",
              "p90 ms", "size kB", "pages", "placeholders", "exact", "vs Chromium");
  auto orNa = [](int v) { return v < 0 ? std::string("n/a") : std::to_string(v); };
  for (const auto& r : rows) {
    std::string placeholders = orNa(r.back.placeholders);
    if (r.placeholderFields >= 0) placeholders += " (" + std::to_string(r.placeholderFields) + ")";
    char ratio[32] = "";
    if (r.fasterThanChromium > 0)
      std::snprintf(ratio, sizeof ratio, "%.1fx faster", r.fasterThanChromium);
    std::printf("%-18s %-25s %9.2f %8.2f %8.1f %5s %14s %7s %15s\n", r.document.c_str(),
                r.renderer.c_str(), r.time.median, r.time.p90, static_cast<double>(r.bytes) / 1000,
                orNa(r.back.pages).c_str(), placeholders.c_str(),
                r.back.found < 0
                    ? "-"
                    : (orNa(r.back.found) + "/" + std::to_string(needles.size())).c_str(),
                ratio);
  }
  for (const auto& f : failures) std::printf("%s\n", f.c_str());
  for (const auto& r : rows) {
    if (r.document != "mixed-script plan" || r.placeholderFields < 0) continue;
    std::printf("goal for the mixed-script plan: >= 10x faster than warm Chromium, <= 200 kB: ");
    if (r.fasterThanChromium > 0)
      std::printf("%.1fx, %.1f kB\n", r.fasterThanChromium, static_cast<double>(r.bytes) / 1000);
    else
      std::printf("no Chromium figure, %.1f kB\n", static_cast<double>(r.bytes) / 1000);
    if (r.back.placeholders != 0)
      std::printf(
          "NOTE: sendflow's PDF of the mixed-script plan still shows %s placeholder(s) in %d "
          "field(s): text it cannot draw yet is not in the PDF, so its time and size are not yet "
          "those of a PDF showing every script.\n",
          orNa(r.back.placeholders).c_str(), r.placeholderFields);
  }
  std::printf("Outputs in %s (latin*.pdf, mixed*.pdf)\n", dir.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parseOptions(argc, argv);
  const int n = o.iterations;
  const bool peers = o.peers;
  const PdfDocument plan = sendflow::samples::samplePlan();
  fs::path dir = fs::temp_directory_path() / "sendflow_bench_pdf";
  fs::create_directories(dir);
  if (o.onlyMixed) {
    mixedScriptTable(o, dir);
    return 0;
  }

  auto t0 = Steady::now();
  const sendflow::testing::TestFonts fonts;  // DejaVu Sans, as the server's default
  PdfRenderer renderer(fonts);
  double startup = ms(Steady::now() - t0);
  RenderedPdf sample = renderer.render(plan);
  std::ofstream(dir / "libharu.pdf", std::ios::binary) << sample.bytes;
  Figures ours = measure(renderer, plan, n);

  std::printf("PDF render benchmark: 3-page plan (%d pages here), %d documents per figure\n",
              sample.pages, n);
  std::printf("renderer start-up (font parsing, once): %.1f ms\n\n", startup);
  std::printf("%-34s %9s %9s %12s %10s %9s   %s\n", "renderer", "median ms", "p99 ms",
              "docs/s (2 w)", "peak MiB", "size KiB", "slower");
  print("libharu, per-document hb-subset", ours, nullptr);
  std::fflush(stdout);
  std::ofstream(dir / "plan.json") << toJson(plan);
  const std::string json = (dir / "plan.json").string();
  if (!peers) {
    if (o.mixed) mixedScriptTable(o, dir);
    if (o.processes > 0) wholeProcessRows(o, dir, json);
    return 0;
  }

  const std::string root = SENDFLOW_SOURCE_ROOT;
  int peerN = std::max(20, n / 4);
  Figures rl, cr;
  std::string rlOut =
      capture("/usr/bin/python3 '" + root + "/tests/bench/pdf/reportlab_render.py' '" + json +
              "' " + std::to_string(peerN) + " '" + (dir / "reportlab.pdf").string() + "'");
  if (parsePeer(rlOut, rl)) {
    print("python3-reportlab (DejaVu TTF)", rl, &ours);
  } else {
    std::printf("python3-reportlab: failed (%s)\n", rlOut.c_str());
  }
  std::string crOut;
  if (auto chromium = chromiumPeer(json, peerN, dir / "chromium.pdf", crOut)) {
    cr = *chromium;
    print("Chromium (warm, playwright-core)", cr, &ours);
  } else {
    std::printf("Chromium: failed (%s)\n", crOut.c_str());
  }
  std::printf(
      "\nPeak memory: libharu rows = this whole process so far (RUSAGE_SELF maxrss); "
      "reportlab = max of its parent/children; Chromium = node + browser process tree.\n"
      "Outputs in %s\n",
      dir.c_str());
  std::fflush(stdout);
  if (o.mixed) mixedScriptTable(o, dir);
  if (o.processes > 0) wholeProcessRows(o, dir, json);
  return 0;
}
