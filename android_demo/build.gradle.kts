// Pinned toolchain (see README.md): AGP 8.7.3, Kotlin 2.1.21, Gradle 8.11.1.
plugins {
    id("com.android.application") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.1.21" apply false
    id("org.jetbrains.kotlin.jvm") version "2.1.21" apply false
}
