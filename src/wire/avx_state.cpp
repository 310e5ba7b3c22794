#include "wire/avx_state.h"

#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace finwait::wire {

std::optional<bool> avx_upper_state_in_use() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  // CPUID.1:ECX.OSXSAVE[27]: the OS enabled XGETBV.
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0 || (ecx & (1u << 27)) == 0) return std::nullopt;
  // CPUID.(EAX=0DH,ECX=1):EAX[2]: XGETBV with ECX=1 is supported.
  if (__get_cpuid_count(0xd, 1, &eax, &ebx, &ecx, &edx) == 0 || (eax & (1u << 2)) == 0) return std::nullopt;
  std::uint32_t low = 0, high = 0;
  __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(1u));
  // XINUSE bit 2: the AVX state (the upper 128 bits of YMM0-15) is not in
  // its initial, all-zero configuration.
  return (low & (1u << 2)) != 0;
#else
  return std::nullopt;
#endif
}

}  // namespace finwait::wire
