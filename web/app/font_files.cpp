#include "app/font_files.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "sendflow/engine/core/error.h"

namespace sendflow::web {

// One read into a string of the file's size: a font is about 700 KB, and growing a string through
// StreamCopier's small buffer copied it over and over (a sixth of a `sendflow render` process).
std::string FontFiles::fontBytes(engine::PdfFontRole role) const {
  const std::string& path = role == engine::PdfFontRole::kBold ? paths_.bold : paths_.regular;
  try {
    Poco::FileInputStream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(Poco::File(path).getSize()), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (static_cast<std::size_t>(in.gcount()) != bytes.size())
      throw engine::InfraError("cannot read font " + path + ": shorter than its size");
    return bytes;
  } catch (const Poco::Exception& e) {
    throw engine::InfraError("cannot read font " + path + ": " + e.displayText());
  }
}

namespace {

struct Mapping {
  void* at = nullptr;
  std::size_t size = 0;
  ~Mapping() {
    if (at) munmap(at, size);
  }
};

// The file mapped read-only; nullopt when it does not exist.
std::optional<engine::PdfFontFile> mapFile(const std::string& path, unsigned faceIndex) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw engine::InfraError("cannot open font " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    throw engine::InfraError("cannot read font " + path + ": empty or unreadable");
  }
  auto m = std::make_shared<Mapping>();
  m->size = static_cast<std::size_t>(st.st_size);
  m->at = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int mapErrno = errno;
  close(fd);
  if (m->at == MAP_FAILED) {
    m->at = nullptr;
    throw engine::InfraError("cannot map font " + path + ": " + std::strerror(mapErrno));
  }
  engine::PdfFontFile out;
  out.bytes = std::string_view(static_cast<const char*>(m->at), m->size);
  out.owner = std::move(m);
  out.faceIndex = faceIndex;
  return out;
}

bool safeFamily(std::string_view family) {
  if (family.empty() || family.size() > 64) return false;
  for (char c : family) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace

std::optional<engine::PdfFontFile> FontFiles::scriptFont(std::string_view family, bool bold) const {
  if (!safeFamily(family)) return std::nullopt;
  // Faces of Debian's NotoSansCJK-*.ttc, in file order (fc-scan).
  static constexpr std::array<std::string_view, 5> kCjk{"JP", "KR", "SC", "TC", "HK"};
  constexpr std::string_view kCjkPrefix = "NotoSansCJK-";
  if (family.starts_with(kCjkPrefix)) {
    const std::string_view region = family.substr(kCjkPrefix.size());
    for (unsigned i = 0; i < kCjk.size(); ++i) {
      if (kCjk[i] != region) continue;
      const std::string base = paths_.notoCjkDir + "/NotoSansCJK-";
      if (bold) {
        if (auto f = mapFile(base + "Bold.ttc", i)) return f;
      }
      return mapFile(base + "Regular.ttc", i);
    }
    return std::nullopt;
  }
  const std::string base = paths_.notoDir + "/" + std::string(family);
  if (bold) {
    if (auto f = mapFile(base + "-Bold.ttf", 0)) return f;
  }
  return mapFile(base + "-Regular.ttf", 0);
}

}  // namespace sendflow::web
