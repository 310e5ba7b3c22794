// OutputFile: complete or absent; a refused or failed write leaves the old
// file as it was.
#include "base/output_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace finwait {
namespace {

namespace fs = std::filesystem;

struct Scratch {
  Scratch() : dir(fs::temp_directory_path() / ("finwait_output_" + std::to_string(::getpid()))) {
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
  }
  fs::path dir;
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(OutputFile, AppearsOnlyWhenCommitted) {
  Scratch s;
  const std::string path = s.path("out.txt");
  {
    auto f = OutputFile::create(path);
    ASSERT_TRUE(f.ok()) << f.error();
    std::fputs("hello", f->stream());
    EXPECT_FALSE(fs::exists(path));
    ASSERT_TRUE(f->commit().ok());
  }
  EXPECT_EQ(read(path), "hello");
  EXPECT_EQ(s.entries(), 1u);  // no temporary left behind
}

TEST(OutputFile, AnUncommittedFileLeavesTheOldOneAsItWas) {
  Scratch s;
  const std::string path = s.path("out.txt");
  std::ofstream(path) << "old";
  {
    auto f = OutputFile::create(path);
    ASSERT_TRUE(f.ok());
    std::fputs("new", f->stream());
  }
  EXPECT_EQ(read(path), "old");
  EXPECT_EQ(s.entries(), 1u);
}

TEST(OutputFile, RefusesWhatIsNotARegularFile) {
  Scratch s;
  EXPECT_FALSE(OutputFile::create(s.dir.string()).ok());
  EXPECT_FALSE(OutputFile::create(s.path("")).ok());
  EXPECT_FALSE(OutputFile::create("/dev/null").ok());
  ASSERT_EQ(::mkfifo(s.path("fifo").c_str(), 0600), 0);
  auto fifo = OutputFile::create(s.path("fifo"));
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().find("not a regular file"), std::string::npos) << fifo.error();
  EXPECT_FALSE(OutputFile::create(s.path("no/such/dir/out")).ok());
}

TEST(OutputFile, AWriteErrorIsReportedAndTheOldFileKept) {
  // A file size limit stands in for a full disk: writes past it fail (EFBIG).
  Scratch s;
  const std::string path = s.path("big.bin");
  std::ofstream(path) << "old";
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit before{};
  ::getrlimit(RLIMIT_FSIZE, &before);
  rlimit small = before;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto f = OutputFile::create(path);
  ASSERT_TRUE(f.ok());
  const std::string chunk(1024, 'x');
  for (int i = 0; i < 16; ++i) std::fputs(chunk.c_str(), f->stream());
  auto committed = f->commit();
  ::setrlimit(RLIMIT_FSIZE, &before);
  ASSERT_FALSE(committed.ok());
  EXPECT_NE(committed.error().find("cannot write"), std::string::npos) << committed.error();
  EXPECT_EQ(read(path), "old");
  EXPECT_EQ(s.entries(), 1u);
}

}  // namespace
}  // namespace finwait
