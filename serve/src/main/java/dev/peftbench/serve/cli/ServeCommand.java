package dev.peftbench.serve.cli;

import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.Setting;
import dev.peftbench.contract.SettingOptions;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.InferenceServer;
import dev.peftbench.serve.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code peftbench serve}: the KServe v2 server. Its options are the server's settings, one per
 * {@link Setting} declaration (flags win over the runtime's environment variables, which win over the
 * declared defaults; which model runs is {@link ModelChoice}'s table). Values are taken as typed and
 * checked in {@link ServeConfig#resolve}, so a flag and its variable fail with the same message. The
 * command stays in serve beside {@link RuntimeMain}: the runtime image starts the server from serve's
 * classpath alone.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, modelTransformer = ServeCommand.Options.class,
        description = "Serve models over KServe v2 / Open Inference Protocol (REST + gRPC), generate, OpenAI and /metrics.")
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** One option per server setting, with its variable and default in its help. */
    public static final class Options implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            return SettingOptions.add(spec, Setting.all(), ModelChoice.EntryPoint.SERVE::shownDefault);
        }
    }

    /** Every flag as typed, by setting. */
    Map<Setting<?>, String> flags() {
        return SettingOptions.flags(spec, Setting.all());
    }

    @Override
    public Integer call() throws InterruptedException {
        ServeConfig config = ServeConfig.resolve(flags(), System.getenv());
        EngineOptions defaults = EngineOptions.defaults();
        Engine engine = new Engine(new EngineOptions(config.queueCapacity(), defaults.maxBatch(), defaults.threads())
                .withMaxPrefillTokens(config.maxPrefillTokens()).withStepTargetMs(config.stepTargetMs())
                .withPrefixCacheBytes(config.prefixCacheMib() << 20));
        InferenceServer server;
        try {
            server = InferenceServer.start(config, engine);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }, "peftbench-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            server.awaitNamedModel();
        } catch (IllegalStateException e) {
            // the model this process was started for cannot be served: exit non-zero, as vLLM does
            Runtime.getRuntime().removeShutdownHook(shutdown);
            shutdown.run();
            throw e;
        }
        stopped.await();
        return 0;
    }
}
