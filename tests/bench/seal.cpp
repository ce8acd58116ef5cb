// bench_seal: seal and verify a 3-page plan PDF with 4 signatures (one drawn) and an audit
// certificate; median ms per render, seal and verify, beside `openssl cms -sign` (and -verify)
// on the same byte ranges with the same key. Goal: sealing ≤ 1 ms beyond rendering.
#include "sendflow/engine/signing/seal.h"

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "../support/pdf_fonts.h"
#include "bench_support.h"
#include "pdf/sample_plan.h"

using namespace sendflow;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F>
double timeMs(int runs, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto a = Clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
  }
  return median(t);
}

int run(const std::vector<std::string>& args) {
  Poco::Pipe out;
  auto h = Poco::Process::launch("/usr/bin/openssl", args, nullptr, &out, &out);
  Poco::PipeInputStream in(out);
  std::string s;
  Poco::StreamCopier::copyToString(in, s);
  return h.wait();
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

constexpr const char* kUsage =
    "usage: bench_seal [--runs=N] [--help]\n"
    "  --runs=N   timed runs per figure, medians printed (default 51)\n"
    "--duration=S and --warmup=S (BENCH_ARGS for the request benchmarks) are accepted and "
    "ignored.\n";

// Exits 0 with the usage on --help, 2 on an argument it does not know.
int runsFrom(int argc, char** argv) {
  int runs = 51;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a.rfind("--duration=", 0) == 0 || a.rfind("--warmup=", 0) == 0) continue;
    if (a.rfind("--runs=", 0) == 0) {
      const std::string v = a.substr(7);
      const auto n = sendflow::bench::wholeNumberOf(v);
      if (n && *n >= 1) {
        runs = *n;
        continue;
      }
    }
    std::fprintf(stderr, "bench_seal: bad argument %s\n%s", a.c_str(), kUsage);
    std::exit(2);
  }
  return runs;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = runsFrom(argc, argv);
  const engine::PdfRenderer& renderer = sendflow::testing::testRenderer();
  auto doc = samples::samplePlan();
  doc.signatures.clear();
  const char* roles[] = {"SENCO", "Parent or carer", "Health professional", "Headteacher"};
  for (int i = 0; i < 4; ++i)
    doc.signatures.push_back({roles[i], std::string("Signer ") + std::to_string(i + 1),
                              engine::fromUnix(1780000000 + i * 3600), i == 1 ? "Drawn" : "Typed",
                              ""});
  doc.auditCertificate = engine::PdfAuditCertificate{};
  doc.auditCertificate->rows = {{"Document", "sendflow plan 1, version 4"},
                                {"Version content hash (SHA-256)", std::string(64, 'c')}};
  engine::PdfTable t;
  t.columns = {{"Signer", 1}, {"Role", 1},         {"Email", 1},
               {"Method", 1}, {"Signed (UTC)", 1}, {"IP", 1}};
  for (int i = 0; i < 4; ++i)
    t.rows.push_back({std::string("Signer ") + std::to_string(i + 1), std::string(roles[i]),
                      std::string("s") + std::to_string(i) + "@example.org", std::string("Typed"),
                      std::string("2026-05-28T10:00:00Z"), std::string("203.0.113.9")});
  doc.auditCertificate->table = t;

  auto ec = engine::SealKey::generateSelfSigned("bench seal", engine::fromUnix(1780000000));
  engine::SealInfo info{"Oakfield Primary Academy",
                        "sendflow plan 1 version 4 sha256:" + std::string(64, 'c'), "sendflow",
                        engine::fromUnix(1780000000)};
  engine::RenderedPdf rendered = renderer.render(doc);
  double renderMs = timeMs(runs, [&] { rendered = renderer.render(doc); });
  std::string sealed;
  double sealMs = timeMs(runs, [&] { sealed = engine::sealPdf(rendered.bytes, ec, info); });
  bool ok = true;
  double verifyMs = timeMs(runs, [&] { ok = ok && engine::checkSeal(sealed).ok(); });

  // The same byte ranges through the openssl command line, same key.
  Poco::TemporaryFile dir;
  dir.createDirectories();
  const std::string d = dir.path();
  auto c = engine::checkSeal(sealed);
  std::size_t a = sealed.find("/Contents <") + 10;
  std::size_t b = sealed.find('>', a) + 1;
  write(d + "/ranges.bin", sealed.substr(0, a) + sealed.substr(b));
  write(d + "/cert.pem", ec.certificatePem());
  write(d + "/key.pem", ec.privateKeyPem());
  double cliSign = timeMs(11, [&] {
    run({"cms", "-sign", "-binary", "-nosmimecap", "-cades", "-in", d + "/ranges.bin", "-signer",
         d + "/cert.pem", "-inkey", d + "/key.pem", "-outform", "DER", "-out", d + "/sig.der"});
  });
  double cliVerify = timeMs(11, [&] {
    run({"cms", "-verify", "-binary", "-noverify", "-inform", "DER", "-in", d + "/sig.der",
         "-content", d + "/ranges.bin", "-out", "/dev/null"});
  });

  std::printf(
      "bench_seal: 3-page plan, 4 signatures, audit certificate, ECDSA P-256 seal (%d runs, "
      "medians)\n",
      runs);
  std::printf("  pdf size                 %zu bytes -> sealed %zu bytes (%d pages)\n",
              rendered.bytes.size(), sealed.size(), rendered.pages);
  std::printf("  render (libharu)         %8.3f ms\n", renderMs);
  std::printf("  seal (sendflow, in-proc) %8.3f ms   (goal: <= 1 ms beyond rendering)\n", sealMs);
  std::printf("  verify (sendflow)        %8.3f ms   %s\n", verifyMs,
              ok && c.ok() ? "valid" : "INVALID");
  std::printf(
      "  openssl cms -sign (CLI)  %8.3f ms   same byte ranges, same key, incl. process start\n",
      cliSign);
  std::printf("  openssl cms -verify (CLI)%8.3f ms\n", cliVerify);
  return ok ? 0 : 1;
}
