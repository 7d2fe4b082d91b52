package dev.peftbench.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuInfoTest {

    @Test
    void x86ProcCpuinfoGivesTheModelWithFamilyAndTheVectorSets() {
        String text = """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                cpu family\t: 25
                model\t\t: 17
                model name\t: AMD EPYC
                flags\t\t: fpu sse4_2 avx f16c fma avx2 avx512f avx512bw avx512vl avx512_bf16 avx512_vnni sha_ni

                processor\t: 1
                model name\t: AMD EPYC
                flags\t\t: fpu
                """;
        CpuInfo cpu = CpuInfo.fromProcCpuinfo(text, 2, 512);
        assertEquals("AMD EPYC (family 25, model 17)", cpu.model());
        assertEquals(List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                "avx512_bf16"), cpu.instructionSets());
        assertEquals(2, cpu.cores());
        assertEquals(512, cpu.vectorBits());
    }

    @Test
    void armProcCpuinfoWithoutAModelNameNamesTheImplementerAndPart() {
        String text = """
                processor\t: 0
                BogoMIPS\t: 243.75
                Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp asimddp sve i8mm bf16
                CPU implementer\t: 0x41
                CPU part\t: 0xd40
                """;
        CpuInfo cpu = CpuInfo.fromProcCpuinfo(text, 4, 128);
        assertEquals("ARM implementer 0x41, part 0xd40", cpu.model());
        assertEquals(List.of("asimd", "asimddp", "asimdhp", "i8mm", "bf16", "sve"), cpu.instructionSets());
    }

    @Test
    void macSysctlGivesTheBrandAndTheFeaturesSetToOne() {
        String all = """
                hw.optional.arm.FEAT_BF16: 1
                hw.optional.arm.FEAT_I8MM: 0
                hw.optional.arm.FEAT_DotProd: 1
                hw.optional.neon: 1
                """;
        CpuInfo cpu = CpuInfo.fromSysctl("Apple M2\n", all, 8, 128);
        assertTrue(cpu.model().startsWith("Apple M2"), cpu.model());
        assertEquals(List.of("asimd", "asimddp", "bf16"), cpu.instructionSets());
    }

    @Test
    void unreadableTextLeavesTheModelUnknown() {
        CpuInfo cpu = CpuInfo.fromProcCpuinfo("garbage", 1, 256);
        assertEquals("unknown", cpu.model());
        assertEquals(List.of(), cpu.instructionSets());
    }

    @Test
    void thisMachineIsDescribed() {
        CpuInfo cpu = CpuInfo.detect();
        assertTrue(cpu.vectorBits() >= 64 && cpu.cores() >= 1, cpu.toString());
    }
}
