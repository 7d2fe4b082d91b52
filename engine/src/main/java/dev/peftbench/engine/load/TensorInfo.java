package dev.peftbench.engine.load;

import java.util.Arrays;

/** A stored tensor's name, element type and shape. */
public record TensorInfo(String name, DType dtype, long[] shape) {
    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
