// The inference core: plain Kotlin/JVM, no android.* imports, so it compiles and is tested
// on a desktop JVM. It is compiled against the JVM onnxruntime artifact, which has the same
// ai.onnxruntime API as onnxruntime-android; the app supplies the Android runtime.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    compileOnly("com.microsoft.onnxruntime:onnxruntime:1.22.0")
}
