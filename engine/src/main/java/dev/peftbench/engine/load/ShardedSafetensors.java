package dev.peftbench.engine.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint split into several safetensors files, as save_pretrained writes large models:
 * {@code model.safetensors.index.json} maps each tensor name to its shard ({@code weight_map}).
 */
public final class ShardedSafetensors implements WeightSource {

    private final Map<String, SafetensorsFile> byTensor;
    private final List<SafetensorsFile> shards;

    private ShardedSafetensors(Map<String, SafetensorsFile> byTensor, List<SafetensorsFile> shards) {
        this.byTensor = byTensor;
        this.shards = shards;
    }

    public static ShardedSafetensors open(Path index) {
        JsonNode weightMap;
        try {
            weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw EngineException.loadFailed("cannot read " + index + ": " + e.getMessage(), e);
        }
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw EngineException.loadFailed(index + " has no 'weight_map'");
        }
        Path dir = index.getParent();
        Map<String, SafetensorsFile> openShards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shardName = e.getValue().asText();
                SafetensorsFile shard = openShards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName).normalize();
                    if (!shardPath.startsWith(dir) || !Files.isRegularFile(shardPath)) {
                        throw EngineException.loadFailed(index + " names shard '" + shardName
                                + "' which is missing from " + dir + " — download the whole snapshot");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    openShards.put(shardName, shard);
                }
                if (!shard.names().contains(e.getKey())) {
                    throw EngineException.loadFailed(index + " says tensor " + e.getKey() + " is in " + shardName
                            + " but that shard does not hold it");
                }
                byTensor.put(e.getKey(), shard);
            }
        } catch (RuntimeException e) {
            openShards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new ShardedSafetensors(Collections.unmodifiableMap(byTensor), new ArrayList<>(openShards.values()));
    }

    private SafetensorsFile shard(String name) {
        SafetensorsFile shard = byTensor.get(name);
        if (shard == null) {
            throw EngineException.loadFailed("the sharded checkpoint has no tensor '" + name + "'");
        }
        return shard;
    }

    @Override
    public Set<String> names() {
        return byTensor.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        return shard(name).info(name);
    }

    @Override
    public ByteBuffer bytes(String name) {
        return shard(name).bytes(name);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
