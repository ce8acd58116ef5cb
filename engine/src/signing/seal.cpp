#include "sendflow/engine/signing/seal.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/utf8.h"

namespace sendflow::engine {

struct SealKey::Impl {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  ~Impl() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

namespace {

constexpr std::size_t kContentsBytes = 16384;  // room for the DER CMS (hex doubles it)
constexpr const char* kByteRangePlaceholder = "/ByteRange [0 0000000000 0000000000 0000000000]";

std::string opensslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {0};
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return what + (e ? std::string(": ") + buf : std::string());
}

struct Bio {
  BIO* b;
  explicit Bio(BIO* x) : b(x) {
    if (!b) throw InfraError(opensslError("BIO"));
  }
  ~Bio() { BIO_free(b); }
  Bio(const Bio&) = delete;
  Bio& operator=(const Bio&) = delete;
  std::string str() const {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
  }
};

std::string certDer(X509* cert) {
  unsigned char* buf = nullptr;
  int n = i2d_X509(cert, &buf);
  if (n <= 0) throw InfraError(opensslError("certificate encoding"));
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return out;
}

// --- minimal reading of a classic-xref PDF --------------------------------------------------

bool isSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

long long readInt(std::string_view s, std::size_t& i) {
  while (i < s.size() && isSpace(s[i])) ++i;
  std::size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (start == i || i - start > 12)
    throw InfraError("the PDF structure could not be read (number expected)");
  return std::stoll(std::string(s.substr(start, i - start)));
}

// The integer after `key` in a dictionary text ("/Size 12"), or the object number of an
// indirect reference ("/Root 3 0 R").
std::optional<long long> dictInt(std::string_view dict, std::string_view key) {
  std::size_t p = 0;
  while ((p = dict.find(key, p)) != std::string_view::npos) {
    std::size_t after = p + key.size();
    if (after < dict.size() && (std::isalnum(static_cast<unsigned char>(dict[after])))) {
      p = after;
      continue;
    }
    try {
      return readInt(dict, after);
    } catch (const InfraError&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

struct PdfIndex {
  std::map<long long, std::size_t> offsets;  // object number -> byte offset
  long long size = 0;
  long long root = 0;
  std::optional<long long> info;
  std::size_t startxref = 0;
};

PdfIndex indexPdf(std::string_view pdf) {
  PdfIndex ix;
  std::size_t sx = pdf.rfind("startxref");
  if (sx == std::string_view::npos) throw InfraError("the PDF has no startxref");
  std::size_t i = sx + 9;
  ix.startxref = static_cast<std::size_t>(readInt(pdf, i));
  if (ix.startxref >= pdf.size() || pdf.substr(ix.startxref, 4) != "xref")
    throw InfraError("the PDF has no classic xref table");
  i = ix.startxref + 4;
  while (true) {
    while (i < pdf.size() && isSpace(pdf[i])) ++i;
    if (pdf.substr(i, 7) == "trailer") break;
    long long first = readInt(pdf, i);
    long long count = readInt(pdf, i);
    while (i < pdf.size() && isSpace(pdf[i])) ++i;
    for (long long n = 0; n < count; ++n) {
      if (i + 18 > pdf.size()) throw InfraError("the PDF xref table is cut short");
      std::string_view entry = pdf.substr(i, 18);
      if (entry[17] == 'n')
        ix.offsets[first + n] =
            static_cast<std::size_t>(std::stoll(std::string(entry.substr(0, 10))));
      i += 18;
      while (i < pdf.size() && isSpace(pdf[i])) ++i;
    }
  }
  std::size_t tEnd = pdf.find("startxref", i);
  std::string_view trailer = pdf.substr(i, tEnd - i);
  auto size = dictInt(trailer, "/Size");
  auto root = dictInt(trailer, "/Root");
  if (!size || !root) throw InfraError("the PDF trailer has no /Size or /Root");
  if (trailer.find("/Prev") != std::string_view::npos)
    throw InfraError("the PDF already has an incremental update");
  ix.size = *size;
  ix.root = *root;
  ix.info = dictInt(trailer, "/Info");
  return ix;
}

// The dictionary text of object n ("<< … >>").
std::string objectDict(std::string_view pdf, const PdfIndex& ix, long long n) {
  auto it = ix.offsets.find(n);
  if (it == ix.offsets.end()) throw InfraError("the PDF has no object " + std::to_string(n));
  std::size_t start = pdf.find("obj", it->second);
  std::size_t end = pdf.find("endobj", it->second);
  if (start == std::string_view::npos || end == std::string_view::npos || end < start)
    throw InfraError("object " + std::to_string(n) + " cannot be read");
  std::string_view body = pdf.substr(start + 3, end - start - 3);
  std::size_t a = body.find("<<");
  std::size_t b = body.rfind(">>");
  if (a == std::string_view::npos || b == std::string_view::npos ||
      body.find("stream") != std::string_view::npos)
    throw InfraError("object " + std::to_string(n) + " is not a dictionary");
  return std::string(body.substr(a, b + 2 - a));
}

long long firstPage(std::string_view pdf, const PdfIndex& ix, long long node, int depth = 0) {
  if (depth > 32) throw InfraError("the PDF page tree is too deep");
  std::string d = objectDict(pdf, ix, node);
  if (d.find("/Type /Pages") == std::string::npos && d.find("/Type/Pages") == std::string::npos)
    return node;
  std::size_t k = d.find("/Kids");
  if (k == std::string::npos) throw InfraError("the PDF page tree has no /Kids");
  std::size_t i = d.find('[', k) + 1;
  return firstPage(pdf, ix, readInt(d, i), depth + 1);
}

void appendUtf16(std::string& out, char32_t cp) {
  auto unit = [&](unsigned u) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "%04X", u & 0xFFFFu);
    out += buf;
  };
  if (cp >= 0x10000) {
    cp -= 0x10000;
    unit(0xD800u + static_cast<unsigned>(cp >> 10));
    unit(0xDC00u + static_cast<unsigned>(cp & 0x3FF));
  } else {
    unit(static_cast<unsigned>(cp));
  }
}

// A PDF text string: literal for printable ASCII, else UTF-16BE hex with a byte order mark.
std::string pdfText(const std::string& s) {
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (ascii) {
    std::string out = "(";
    for (char c : s) {
      if (c == '(' || c == ')' || c == '\\') out += '\\';
      out += c;
    }
    return out + ")";
  }
  std::string out = "<FEFF";
  for (char32_t cp : utf8::decodeReplacing(s, 0xFFFD)) appendUtf16(out, cp);
  return out + ">";
}

std::string pdfDate(TimePoint t) {
  std::string iso = isoTime(t);  // 2026-11-29T07:51:26Z
  std::string d = "D:";
  for (char c : iso)
    if (c >= '0' && c <= '9') d += c;
  return d + "Z";
}

std::string insertAfterOpen(const std::string& dict, const std::string& entries) {
  return "<< " + entries + " " + dict.substr(2);
}

std::string cmsSign(const SealKey& key, std::string_view data) {
  Bio in(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  CMS_ContentInfo* cms = CMS_sign(key.impl().cert, key.impl().key, nullptr, in.b,
                                  CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES);
  if (!cms) throw InfraError(opensslError("CMS_sign"));
  unsigned char* buf = nullptr;
  int n = i2d_CMS_ContentInfo(cms, &buf);
  CMS_ContentInfo_free(cms);
  if (n <= 0) throw InfraError(opensslError("CMS encoding"));
  std::string der(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_free(buf);
  return der;
}

}  // namespace

// --- SealKey ------------------------------------------------------------------------------------

SealKey::SealKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SealKey::SealKey(SealKey&&) noexcept = default;
SealKey& SealKey::operator=(SealKey&&) noexcept = default;
SealKey::~SealKey() = default;

SealKey SealKey::fromPem(const std::string& certPem, const std::string& keyPem) {
  auto impl = std::make_unique<Impl>();
  {
    Bio b(BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size())));
    impl->cert = PEM_read_bio_X509(b.b, nullptr, nullptr, nullptr);
  }
  {
    Bio b(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
    impl->key = PEM_read_bio_PrivateKey(b.b, nullptr, nullptr, nullptr);
  }
  if (!impl->cert) throw InfraError(opensslError("the seal certificate (PEM) cannot be read"));
  if (!impl->key) throw InfraError(opensslError("the seal key (PEM) cannot be read"));
  if (X509_check_private_key(impl->cert, impl->key) != 1)
    throw InfraError(opensslError("the seal key does not belong to the seal certificate"));
  return SealKey(std::move(impl));
}

SealKey SealKey::fromPkcs12(const std::string& der, const std::string& password) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(der.size()));
  if (!p12) throw InfraError(opensslError("the seal PKCS#12 file cannot be read"));
  auto impl = std::make_unique<Impl>();
  int ok = PKCS12_parse(p12, password.c_str(), &impl->key, &impl->cert, nullptr);
  PKCS12_free(p12);
  if (ok != 1 || !impl->cert || !impl->key)
    throw InfraError(opensslError("the seal PKCS#12 file cannot be opened (wrong password?)"));
  return SealKey(std::move(impl));
}

SealKey SealKey::generateSelfSigned(const std::string& commonName, TimePoint now) {
  auto impl = std::make_unique<Impl>();
  impl->key = EVP_EC_gen("P-256");
  impl->cert = X509_new();
  if (!impl->key || !impl->cert) throw InfraError(opensslError("key generation"));
  X509* x = impl->cert;
  X509_set_version(x, 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) throw InfraError(opensslError("RAND_bytes"));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(toUnix(now) - 60));
  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(toUnix(now) + 10LL * 366 * 86400));
  X509_set_pubkey(x, impl->key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("sendflow (self-signed)"), -1,
                             -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,nonRepudiation"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext) {
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
  }
  if (X509_sign(x, impl->key, EVP_sha256()) <= 0)
    throw InfraError(opensslError("certificate signing"));
  return SealKey(std::move(impl));
}

std::string SealKey::certificatePem() const {
  Bio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.b, impl_->cert);
  return b.str();
}

std::string SealKey::privateKeyPem() const {
  Bio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(b.b, impl_->key, nullptr, nullptr, 0, nullptr, nullptr);
  return b.str();
}

std::string SealKey::certificateSha256() const { return sha256Hex(certDer(impl_->cert)); }

std::string SealKey::subject() const {
  char buf[512] = {0};
  X509_NAME_oneline(X509_get_subject_name(impl_->cert), buf, sizeof buf);
  return buf;
}

// --- sealing ------------------------------------------------------------------------------------

namespace {

// Where sealPdf's placeholders sit in the file it builds.
struct Placeholders {
  std::size_t byteRangeAt = 0;
  std::size_t contentsAt = 0;   // the '<' of the /Contents hex string
  std::size_t contentsEnd = 0;  // just after its '>'
};

// The signature dictionary, with placeholders filled in once the offsets are known.
Placeholders appendSignatureDictionary(std::string& out, long long sigObj, const SealInfo& info) {
  Placeholders at;
  out += std::to_string(sigObj) +
         " 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached ";
  at.byteRangeAt = out.size();
  out += kByteRangePlaceholder;
  out += " /Contents ";
  at.contentsAt = out.size();
  out += "<" + std::string(kContentsBytes * 2, '0') + ">";
  at.contentsEnd = out.size();
  out += " /M " + pdfText(pdfDate(info.at));
  if (!info.name.empty()) out += " /Name " + pdfText(info.name);
  if (!info.reason.empty()) out += " /Reason " + pdfText(info.reason);
  if (!info.location.empty()) out += " /Location " + pdfText(info.location);
  out += " >>\nendobj\n";
  return at;
}

// The first page again, with the seal's widget among its /Annots.
std::string pageWithWidget(std::string pageDict, long long widgetObj) {
  if (std::size_t a = pageDict.find("/Annots"); a != std::string::npos) {
    std::size_t br = pageDict.find('[', a);
    if (br == std::string::npos) throw InfraError("the first page's /Annots is not an array");
    pageDict.insert(br + 1, std::to_string(widgetObj) + " 0 R ");
  } else {
    pageDict = insertAfterOpen(pageDict, "/Annots [" + std::to_string(widgetObj) + " 0 R]");
  }
  return pageDict;
}

// The update's xref section (subsections of consecutive object numbers) and trailer.
void appendXrefAndTrailer(std::string& out, const std::map<long long, std::size_t>& offsets,
                          const PdfIndex& ix, long long newSize) {
  const std::size_t xrefAt = out.size();
  out += "xref\n";
  for (auto it = offsets.begin(); it != offsets.end();) {
    auto end = it;
    long long n = it->first;
    while (end != offsets.end() && end->first == n) {
      ++end;
      ++n;
    }
    out += std::to_string(it->first) + " " + std::to_string(n - it->first) + "\n";
    for (; it != end; ++it) {
      char entry[24];
      std::snprintf(entry, sizeof entry, "%010zu 00000 n\r\n", it->second);
      out += entry;
    }
  }
  out +=
      "trailer\n<< /Size " + std::to_string(newSize) + " /Root " + std::to_string(ix.root) + " 0 R";
  if (ix.info) out += " /Info " + std::to_string(*ix.info) + " 0 R";
  out += " /Prev " + std::to_string(ix.startxref) + " >>\nstartxref\n" + std::to_string(xrefAt) +
         "\n%%EOF\n";
}

// Writes the byte ranges (everything but the hex string with its delimiters), signs them and
// puts the signature into the /Contents placeholder.
void fillSignature(std::string& out, const Placeholders& at, const SealKey& key) {
  const std::size_t len2 = out.size() - at.contentsEnd;
  char range[64];
  std::snprintf(range, sizeof range, "/ByteRange [0 %zu %zu %zu]", at.contentsAt, at.contentsEnd,
                len2);
  std::string br = range;
  const std::size_t width = std::strlen(kByteRangePlaceholder);
  if (br.size() > width) throw InfraError("the PDF is too large to seal");
  br.insert(br.size() - 1, width - br.size(), ' ');
  out.replace(at.byteRangeAt, width, br);

  std::string signedBytes = out.substr(0, at.contentsAt);
  signedBytes.append(out, at.contentsEnd, std::string::npos);
  std::string der = cmsSign(key, signedBytes);
  if (der.size() > kContentsBytes) throw InfraError("the seal does not fit its placeholder");
  std::string hex = toHex(der);
  out.replace(at.contentsAt + 1, hex.size(), hex);
}

}  // namespace

std::string sealPdf(std::string_view pdf, const SealKey& key, const SealInfo& info) {
  PdfIndex ix = indexPdf(pdf);
  const long long page = firstPage(pdf, ix, *dictInt(objectDict(pdf, ix, ix.root), "/Pages"));
  std::string pageDict = objectDict(pdf, ix, page);
  std::string catalog = objectDict(pdf, ix, ix.root);
  if (catalog.find("/AcroForm") != std::string::npos)
    throw InfraError("the PDF already has a form");
  const long long sigObj = ix.size, widgetObj = ix.size + 1, newSize = ix.size + 2;

  std::string out(pdf);
  if (out.back() != '\n') out += '\n';
  std::map<long long, std::size_t> offsets;

  offsets[sigObj] = out.size();
  const Placeholders at = appendSignatureDictionary(out, sigObj, info);

  offsets[widgetObj] = out.size();
  out += std::to_string(widgetObj) +
         " 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /Rect [0 0 0 0] /F 132 /T (Seal) /V " +
         std::to_string(sigObj) + " 0 R /P " + std::to_string(page) + " 0 R >>\nendobj\n";

  offsets[page] = out.size();
  out += std::to_string(page) + " 0 obj\n" + pageWithWidget(pageDict, widgetObj) + "\nendobj\n";

  offsets[ix.root] = out.size();
  out += std::to_string(ix.root) + " 0 obj\n" +
         insertAfterOpen(catalog, "/AcroForm << /Fields [" + std::to_string(widgetObj) +
                                      " 0 R] /SigFlags 3 >>") +
         "\nendobj\n";

  appendXrefAndTrailer(out, offsets, ix, newSize);
  fillSignature(out, at, key);
  return out;
}

// --- verification -------------------------------------------------------------------------------

namespace {

// Reads the four numbers of the last /ByteRange; the problem when they cannot be read or do not
// fit the file.
std::optional<std::string> readByteRange(std::string_view pdf, std::size_t at, long long (&br)[4]) {
  try {
    std::size_t i = pdf.find('[', at);
    if (i == std::string_view::npos || i > at + 16) throw InfraError("no [");
    ++i;
    for (auto& v : br) v = readInt(pdf, i);
  } catch (const InfraError&) {
    return "the seal's byte ranges cannot be read";
  }
  const auto size = static_cast<long long>(pdf.size());
  if (br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[3] < 0 || br[2] + br[3] > size ||
      br[1] >= size)
    return "the seal's byte ranges do not fit the file";
  return std::nullopt;
}

// The bytes of the hex string between offsets a ('<') and b (after '>'); nullopt when it is not
// hexadecimal.
std::optional<std::string> hexBytes(std::string_view pdf, std::size_t a, std::size_t b) {
  auto hexv = [](char h) -> int {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  };
  std::string der;
  der.reserve((b - a) / 2);
  for (std::size_t i = a + 1; i + 1 < b - 1; i += 2) {
    int hi = hexv(pdf[i]), lo = hexv(pdf[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    der.push_back(static_cast<char>(hi * 16 + lo));
  }
  return der;
}

// Verifies the CMS signature `der` over `content`: sets signatureValid and the signer's
// certificate hash, or the problem.
void verifySignature(const std::string& der, const std::string& content, SealCheck& c) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size()));
  if (!cms) {
    ERR_clear_error();
    c.problem = "the seal's signature cannot be read";
    return;
  }
  BIO* in = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  int ok = CMS_verify(cms, nullptr, nullptr, in, nullptr,
                      CMS_DETACHED | CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY);
  BIO_free(in);
  if (ok == 1) {
    c.signatureValid = true;
    STACK_OF(X509)* signers = CMS_get0_signers(cms);
    if (signers && sk_X509_num(signers) > 0)
      c.signerCertSha256 = sha256Hex(certDer(sk_X509_value(signers, 0)));
    sk_X509_free(signers);
  } else {
    c.problem =
        "the seal does not match the document: it was changed after sealing (digest mismatch)";
  }
  ERR_clear_error();
  CMS_ContentInfo_free(cms);
}

}  // namespace

SealCheck checkSeal(std::string_view pdf) {
  SealCheck c;
  std::size_t at = pdf.rfind("/ByteRange");
  if (at == std::string_view::npos) {
    c.problem = "the file carries no seal (no signature dictionary)";
    return c;
  }
  long long br[4];
  if (auto problem = readByteRange(pdf, at, br)) {
    c.problem = *problem;
    return c;
  }
  const auto a = static_cast<std::size_t>(br[1]), b = static_cast<std::size_t>(br[2]);
  if (pdf[a] != '<' || pdf[b - 1] != '>') {
    c.problem = "the seal's byte ranges do not frame its signature";
    return c;
  }
  auto der = hexBytes(pdf, a, b);
  if (!der) {
    c.problem = "the seal's signature is not hexadecimal";
    return c;
  }
  c.sealed = true;
  c.coversWholeFile = br[2] + br[3] == static_cast<long long>(pdf.size());
  // The /Reason follows the signature in the same dictionary (sendflow's layout).
  std::size_t objEnd = pdf.find("endobj", b);
  std::size_t r = pdf.find("/Reason (", b);
  if (r != std::string_view::npos && r < objEnd) {
    std::size_t e = pdf.find(')', r);
    if (e != std::string_view::npos) c.reason = std::string(pdf.substr(r + 9, e - r - 9));
  }
  std::string content(pdf.substr(0, a));
  content.append(pdf.substr(b, static_cast<std::size_t>(br[3])));
  verifySignature(*der, content, c);
  if (c.signatureValid && !c.coversWholeFile)
    c.problem = "the seal does not cover the whole file: something was appended after sealing";
  return c;
}

}  // namespace sendflow::engine
