// PAdES sealing of a PDF (ETSI.CAdES.detached) in an incremental update, and its verification.
// The layout (ISO 32000-1 12.8, as pdfsig and qpdf accept it): a /Sig dictionary with a
// fixed-width /ByteRange and a zero-filled /Contents placeholder, a signature widget, the first
// page and the catalog rewritten, one xref section and a trailer with /Prev. Pure OpenSSL; no
// files.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sendflow/engine/core/clock.h"

namespace sendflow::engine {

// A certificate and its private key (PEM in memory). Thread-safe once constructed.
class SealKey {
 public:
  // Throws InfraError when the PEM cannot be read or the key does not match the certificate.
  static SealKey fromPem(const std::string& certPem, const std::string& keyPem);
  // PKCS#12 bundle (DER bytes) with its password. Throws InfraError.
  static SealKey fromPkcs12(const std::string& der, const std::string& password);
  // A new self-signed ECDSA P-256 certificate valid for ten years from `now`.
  static SealKey generateSelfSigned(const std::string& commonName, TimePoint now);

  SealKey(SealKey&&) noexcept;
  SealKey& operator=(SealKey&&) noexcept;
  SealKey(const SealKey&) = delete;  // owns the OpenSSL key: moved, never copied
  SealKey& operator=(const SealKey&) = delete;
  ~SealKey();

  std::string certificatePem() const;
  std::string privateKeyPem() const;
  std::string certificateSha256() const;  // hex, of the DER certificate
  std::string subject() const;            // one line, "CN=…"

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit SealKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct SealInfo {
  std::string name;      // /Name: who seals ("Oakfield Primary Academy")
  std::string reason;    // /Reason: "sendflow plan 12 version 3 sha256:<content hash>"
  std::string location;  // /Location
  TimePoint at{};        // /M
};

// Appends the seal to a classic-xref PDF (as libharu writes). Throws InfraError when the PDF's
// structure cannot be read or OpenSSL fails.
std::string sealPdf(std::string_view pdf, const SealKey& key, const SealInfo& info);

struct SealCheck {
  bool sealed = false;          // a /ByteRange and /Contents were found and parsed
  bool signatureValid = false;  // the CMS signature verifies over the byte ranges
  bool coversWholeFile = false;
  std::string reason;  // the /Reason string of the seal
  std::string signerCertSha256;
  std::string problem;  // human-readable, empty when all holds

  bool ok() const { return sealed && signatureValid && coversWholeFile; }
};

// Checks the last signature of the file. Never throws on malformed input.
SealCheck checkSeal(std::string_view pdf);

}  // namespace sendflow::engine
