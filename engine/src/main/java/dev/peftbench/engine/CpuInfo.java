package dev.peftbench.engine;

import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The CPU a figure comes from: its model name (with x86's family and model numbers, which tell e.g. AMD's Zen 4 from
 * Zen 5), the cores this JVM sees, the Vector API's preferred vector width (what the CPU kernels use) and the
 * instruction sets that decide the kernels' and llama.cpp's speed. Read from /proc/cpuinfo on Linux and sysctl on
 * macOS; whatever cannot be read is left unknown rather than failing.
 *
 * @param model           the model name, or "unknown"
 * @param instructionSets those of {@link #REPORTED} found, in that order, as Linux names them
 */
public record CpuInfo(String model, int cores, int vectorBits, List<String> instructionSets) {

    /** x86 flags and ARM features worth knowing beside a figure, as /proc/cpuinfo spells them. */
    static final List<String> REPORTED = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f",
            "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16",
            "neon", "asimd", "asimddp", "asimdhp", "i8mm", "bf16", "sve", "sve2");

    public CpuInfo {
        instructionSets = List.copyOf(instructionSets);
    }

    /** This machine's CPU, as far as it can be read. */
    public static CpuInfo detect() {
        int cores = Runtime.getRuntime().availableProcessors();
        int vectorBits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        try {
            Path cpuinfo = Path.of("/proc/cpuinfo");
            if (Files.isReadable(cpuinfo)) {
                return fromProcCpuinfo(Files.readString(cpuinfo), cores, vectorBits);
            }
            if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")) {
                return fromSysctl(sysctl("-n", "machdep.cpu.brand_string"), sysctl("-a"), cores, vectorBits);
            }
        } catch (IOException | RuntimeException e) {
            // Fail soft: a figure without its CPU is still a figure.
        }
        return new CpuInfo("unknown", cores, vectorBits, List.of());
    }

    /** Linux's /proc/cpuinfo: the first processor's model name, family and model (x86) or part (ARM), and flags. */
    static CpuInfo fromProcCpuinfo(String text, int cores, int vectorBits) {
        String name = null;
        String family = null;
        String modelNumber = null;
        String implementer = null;
        String part = null;
        Set<String> flags = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                if (line.isBlank() && name != null) {
                    break;  // the first processor's block is enough
                }
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "model name" -> name = name == null ? value : name;
                case "cpu family" -> family = value;
                case "model" -> modelNumber = value;
                case "CPU implementer" -> implementer = value;
                case "CPU part" -> part = value;
                case "flags", "Features" -> flags.addAll(List.of(value.split("\\s+")));
                default -> {
                }
            }
        }
        String model;
        if (name != null) {
            model = family != null && modelNumber != null ? name + " (family " + family + ", model " + modelNumber + ")" : name;
        } else if (implementer != null) {
            model = "ARM implementer " + implementer + (part == null ? "" : ", part " + part);
        } else {
            model = "unknown";
        }
        return new CpuInfo(model, cores, vectorBits, reported(flags));
    }

    /** macOS: the brand string, and the hw.optional features sysctl lists as 1 (Apple Silicon's FEAT_* and x86's). */
    static CpuInfo fromSysctl(String brand, String all, int cores, int vectorBits) {
        Set<String> flags = new LinkedHashSet<>();
        for (String line : all.split("\n")) {
            String[] kv = line.split(":\\s*", 2);
            if (kv.length == 2 && kv[1].trim().equals("1") && kv[0].startsWith("hw.optional.")) {
                String feature = kv[0].substring(kv[0].lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
                flags.add(switch (feature) {
                    case "neon", "adv_simd" -> "asimd";
                    case "feat_bf16" -> "bf16";
                    case "feat_i8mm" -> "i8mm";
                    case "feat_dotprod" -> "asimddp";
                    case "feat_fp16" -> "asimdhp";
                    case "avx2_0" -> "avx2";
                    case "avx512f" -> "avx512f";
                    default -> feature;
                });
            }
        }
        String model = brand == null || brand.isBlank() ? "unknown" : brand.trim();
        return new CpuInfo(model, cores, vectorBits, reported(flags));
    }

    private static List<String> reported(Set<String> flags) {
        List<String> found = new ArrayList<>();
        for (String set : REPORTED) {
            if (flags.contains(set)) {
                found.add(set);
            }
        }
        return found;
    }

    private static String sysctl(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("sysctl"));
        command.addAll(List.of(arguments));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(5, TimeUnit.SECONDS);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
