// PAdES sealing: the sealed file passes pdfsig and qpdf, checkSeal agrees, tampering is caught.
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "bench/pdf/sample_plan.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/signing/seal.h"
#include "support/pdf_fonts.h"
#include "support/temp_dir.h"

using namespace sendflow;
using namespace sendflow::engine;

namespace {

struct Run {
  int code;
  std::string out;
};

Run run(const std::string& exe, const std::vector<std::string>& args) {
  Poco::Pipe outPipe;
  auto h = Poco::Process::launch(exe, args, nullptr, &outPipe, &outPipe);
  Poco::PipeInputStream in(outPipe);
  std::string out;
  Poco::StreamCopier::copyToString(in, out);
  return {h.wait(), out};
}

std::string sealReason(long long plan, int version, const std::string& hash) {
  return "sendflow plan " + std::to_string(plan) + " version " + std::to_string(version) +
         " sha256:" + hash;
}

const PdfRenderer& renderer() { return sendflow::testing::testRenderer(); }

std::string sealedSample(const SealKey& key) {
  auto doc = samples::samplePlan();
  doc.auditCertificate = PdfAuditCertificate{};
  doc.auditCertificate->rows = {{"Document", "sendflow plan 1, version 4"}};
  auto pdf = renderer().render(doc);
  return sealPdf(pdf.bytes, key,
                 {"Oakfield Primary Academy", sealReason(1, 4, std::string(64, 'a')), "sendflow",
                  fromUnix(1780000000)});
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("a sealed PDF is valid for pdfsig, qpdf and checkSeal, covering the whole file",
          "[engine][seal]") {
  testing::TempDir dir;
  auto key = SealKey::generateSelfSigned("sendflow test seal", fromUnix(1780000000));
  std::string sealed = sealedSample(key);
  auto c = checkSeal(sealed);
  CHECK(c.ok());
  CHECK(c.problem.empty());
  CHECK(c.reason == sealReason(1, 4, std::string(64, 'a')));
  CHECK(c.signerCertSha256 == key.certificateSha256());
  const std::string file = dir.file("sealed.pdf");
  write(file, sealed);
  auto sig = run("/usr/bin/pdfsig", {file});
  INFO(sig.out);
  CHECK(sig.out.find("Signature is Valid.") != std::string::npos);
  CHECK(sig.out.find("Total document signed") != std::string::npos);
  CHECK(sig.out.find("ETSI.CAdES.detached") != std::string::npos);
  auto q = run("/usr/bin/qpdf", {"--check", file});
  INFO(q.out);
  CHECK(q.code == 0);
}

TEST_CASE("a flipped byte or appended bytes break the seal", "[engine][seal]") {
  testing::TempDir dir;
  auto key = SealKey::generateSelfSigned("sendflow test seal", fromUnix(1780000000));
  std::string sealed = sealedSample(key);
  std::string flipped = sealed;
  const std::size_t at = flipped.find("stream", 200) + 20;
  flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
  auto c = checkSeal(flipped);
  CHECK_FALSE(c.ok());
  CHECK_FALSE(c.signatureValid);
  CHECK(c.problem.find("changed after sealing") != std::string::npos);
  write(dir.file("flipped.pdf"), flipped);
  auto sig = run("/usr/bin/pdfsig", {dir.file("flipped.pdf")});
  CHECK(sig.out.find("Signature is Valid.") == std::string::npos);

  auto appended = sealed + "% more\n";
  auto a = checkSeal(appended);
  CHECK(a.signatureValid);
  CHECK_FALSE(a.coversWholeFile);
  CHECK_FALSE(a.ok());

  CHECK_FALSE(checkSeal("%PDF-1.3\nnot sealed").ok());
  CHECK_FALSE(checkSeal("/ByteRange [0 99999999 5 5]").ok());
}

TEST_CASE("seal keys load from PEM and refuse a key of another certificate", "[engine][seal]") {
  auto a = SealKey::generateSelfSigned("a", fromUnix(1780000000));
  auto b = SealKey::generateSelfSigned("b", fromUnix(1780000000));
  auto again = SealKey::fromPem(a.certificatePem(), a.privateKeyPem());
  CHECK(again.certificateSha256() == a.certificateSha256());
  CHECK_THROWS_AS(SealKey::fromPem(a.certificatePem(), b.privateKeyPem()), InfraError);
  CHECK_THROWS_AS(SealKey::fromPem("junk", "junk"), InfraError);
}
