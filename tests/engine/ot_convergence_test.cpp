// Property-based tests of the text OT: random schedules of concurrent edits from several sites,
// sequenced by one server, with random delivery order across connections (FIFO within each, as
// over TCP). Every site must end with the server's text, and no acknowledged insert may vanish
// unless some site deleted it after seeing it.
#include <catch2/catch.hpp>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/ot.h"

namespace ot = sendflow::engine::ot;

namespace {

struct ToServer {
  int site;
  std::size_t baseRevision;
  ot::Op op;
  int opId;
};

struct ToClient {
  int origin;
  ot::Op op;
  int opId;
};

struct Site {
  std::u32string doc;
  std::size_t revision = 0;
  std::optional<ToServer> inflight;
  std::deque<ToServer> pending;
};

struct World {
  std::mt19937 rng;
  std::u32string serverDoc;
  std::vector<ot::Op> history;
  std::vector<Site> sites;
  std::vector<std::deque<ToServer>> up;      // per site, client -> server
  std::vector<std::deque<ToClient>> down;    // per site, server -> client
  char32_t nextChar = 0x10000;               // every inserted code point is unique (and astral)
  std::map<int, std::u32string> insertedBy;  // op id -> the code points it inserted
  std::set<int> acknowledged;
  std::set<char32_t> explicitlyDeleted;  // deleted by a site that could see them
  int nextOpId = 0;

  World(unsigned seed, int siteCount, const std::u32string& initial) : rng(seed) {
    serverDoc = initial;
    sites.resize(static_cast<std::size_t>(siteCount));
    for (auto& s : sites) s.doc = initial;
    up.resize(sites.size());
    down.resize(sites.size());
  }

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  }

  void sendNext(int i) {
    Site& s = sites[static_cast<std::size_t>(i)];
    if (s.inflight || s.pending.empty()) return;
    s.inflight = s.pending.front();
    s.pending.pop_front();
    s.inflight->baseRevision = s.revision;
    up[static_cast<std::size_t>(i)].push_back(*s.inflight);
  }

  void localEdit(int i) {
    Site& s = sites[static_cast<std::size_t>(i)];
    ot::Op op;
    const int id = nextOpId++;
    if (s.doc.empty() || pick(3) != 0) {
      std::u32string text;
      const std::size_t n = 1 + pick(3);
      for (std::size_t k = 0; k < n; ++k) text.push_back(nextChar++);
      op = ot::insertAt(pick(s.doc.size() + 1), text);
      insertedBy[id] = text;
    } else {
      const std::size_t pos = pick(s.doc.size());
      const std::size_t len = 1 + pick(std::min<std::size_t>(6, s.doc.size() - pos));
      for (std::size_t k = pos; k < pos + len; ++k) {
        if (s.doc[k] >= 0x10000) explicitlyDeleted.insert(s.doc[k]);  // the unique ones
      }
      op = ot::deleteAt(pos, len);
    }
    auto next = ot::apply(s.doc, op);
    REQUIRE(next);
    s.doc = *next;
    s.pending.push_back(ToServer{i, 0, op, id});
    sendNext(i);
  }

  void serverReceive(std::size_t i) {
    ToServer msg = up[i].front();
    up[i].pop_front();
    REQUIRE(msg.baseRevision <= history.size());
    ot::Op op = msg.op;
    for (std::size_t r = msg.baseRevision; r < history.size(); ++r) {
      op = ot::transform(op, history[r], ot::Side::kRight);
    }
    auto next = ot::apply(serverDoc, op);
    REQUIRE(next);
    serverDoc = *next;
    history.push_back(op);
    for (auto& q : down) q.push_back(ToClient{msg.site, op, msg.opId});
  }

  void clientReceive(std::size_t i) {
    ToClient msg = down[i].front();
    down[i].pop_front();
    Site& s = sites[i];
    if (msg.origin == static_cast<int>(i)) {
      REQUIRE(s.inflight);
      REQUIRE(s.inflight->opId == msg.opId);
      acknowledged.insert(msg.opId);
      s.inflight.reset();
      ++s.revision;
      sendNext(static_cast<int>(i));
      return;
    }
    ot::Op remote = msg.op;
    auto pass = [&](ot::Op& mine) {
      ot::Op mine2 = ot::transform(mine, remote, ot::Side::kRight);
      remote = ot::transform(remote, mine, ot::Side::kLeft);
      mine = mine2;
    };
    if (s.inflight) pass(s.inflight->op);
    for (auto& p : s.pending) pass(p.op);
    auto next = ot::apply(s.doc, remote);
    REQUIRE(next);
    s.doc = *next;
    ++s.revision;
  }

  bool quiet() const {
    for (std::size_t i = 0; i < sites.size(); ++i) {
      if (!up[i].empty() || !down[i].empty() || sites[i].inflight || !sites[i].pending.empty()) {
        return false;
      }
    }
    return true;
  }

  // One random step: an edit, or the delivery of the oldest message on a random connection.
  void step(bool allowEdits) {
    const std::size_t n = sites.size();
    const std::size_t choice = pick(allowEdits ? 3 * n : 2 * n);
    if (choice < n) {
      if (!up[choice].empty()) serverReceive(choice);
    } else if (choice < 2 * n) {
      if (!down[choice - n].empty()) clientReceive(choice - n);
    } else {
      localEdit(static_cast<int>(choice - 2 * n));
    }
  }
};

}  // namespace

TEST_CASE("OT converges: thousands of random schedules from 3-5 sites", "[engine][ot]") {
  int schedules = 0;
  std::size_t edits = 0;
  for (unsigned seed = 1; seed <= 3000; ++seed) {
    std::mt19937 meta(seed);
    const int siteCount = 3 + static_cast<int>(meta() % 3);
    World w(seed, siteCount, U"Needs a ramp at the front door.");
    const int steps = 40 + static_cast<int>(meta() % 120);
    for (int k = 0; k < steps; ++k) w.step(true);
    int guard = 0;
    while (!w.quiet()) {
      w.step(false);
      REQUIRE(++guard < 1000000);
    }
    INFO("seed " << seed);
    for (const auto& s : w.sites) REQUIRE(s.doc == w.serverDoc);
    const std::set<char32_t> present(w.serverDoc.begin(), w.serverDoc.end());
    for (const auto& [id, text] : w.insertedBy) {
      REQUIRE(w.acknowledged.count(id) == 1);
      for (char32_t c : text) {
        REQUIRE((present.count(c) == 1 || w.explicitlyDeleted.count(c) == 1));
      }
    }
    for (char32_t c : w.explicitlyDeleted) REQUIRE(present.count(c) == 0);
    ++schedules;
    edits += static_cast<std::size_t>(w.nextOpId);
  }
  CHECK(schedules == 3000);
  CHECK(edits > 50000);
}

TEST_CASE("OT converges pairwise: transform satisfies TP1 on random operations", "[engine][ot]") {
  std::mt19937 rng(7);
  auto randomOp = [&](const std::u32string& doc) {
    const std::size_t pos = rng() % (doc.size() + 1);
    if (doc.empty() || rng() % 2)
      return ot::insertAt(pos,
                          std::u32string(1 + rng() % 3, static_cast<char32_t>(U'x' + rng() % 3)));
    const std::size_t p = rng() % doc.size();
    return ot::deleteAt(p, 1 + rng() % (doc.size() - p));
  };
  for (int i = 0; i < 20000; ++i) {
    const std::u32string doc = U"abcdefgh";
    const ot::Op a = randomOp(doc), b = randomOp(doc);
    auto left = ot::apply(*ot::apply(doc, b), ot::transform(a, b, ot::Side::kLeft));
    auto right = ot::apply(*ot::apply(doc, a), ot::transform(b, a, ot::Side::kRight));
    REQUIRE(left);
    REQUIRE(right);
    REQUIRE(*left == *right);
  }
}

TEST_CASE("OT converge: a delete never swallows a concurrent insert inside its range",
          "[engine][ot]") {
  const std::u32string doc = U"hello world";
  const ot::Op del = ot::deleteAt(2, 6);
  const ot::Op ins = ot::insertAt(5, U"XY");
  const auto viaDel = ot::apply(*ot::apply(doc, del), ot::transform(ins, del, ot::Side::kLeft));
  const auto viaIns = ot::apply(*ot::apply(doc, ins), ot::transform(del, ins, ot::Side::kRight));
  REQUIRE(viaDel == viaIns);
  CHECK(*viaDel == U"heXYrld");
}

TEST_CASE("OT converge prerequisites: positions in code points, ranges checked, UTF-8 checked",
          "[engine][ot]") {
  const auto doc = sendflow::engine::utf8::decode("Zoë 🦽 ok");
  REQUIRE(doc);
  CHECK(doc->size() == 8);
  const auto edited = ot::apply(*doc, ot::insertAt(5, U"!"));
  REQUIRE(edited);
  CHECK(sendflow::engine::utf8::encode(*edited) == "Zoë 🦽! ok");
  CHECK_FALSE(ot::apply(*doc, ot::deleteAt(7, 2)));
  CHECK_FALSE(ot::apply(*doc, ot::insertAt(9, U"x")));
  CHECK_FALSE(sendflow::engine::utf8::decode("\xC0\xAF"));      // overlong
  CHECK_FALSE(sendflow::engine::utf8::decode("\xED\xA0\x80"));  // surrogate
  CHECK_FALSE(sendflow::engine::utf8::decode("abc\xE2\x82"));   // truncated
}
