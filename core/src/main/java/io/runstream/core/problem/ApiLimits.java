package io.runstream.core.problem;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Input limits of every face ({@code runstream.api.limits}).
 *
 * @param maxBodyBytes largest request body
 * @param maxTextChars longest message text (whitespace-only counts as empty)
 * @param maxTitleChars longest session title
 * @param maxHistoryEntries most inline history entries
 * @param maxMetadataBytes largest metadata object, as JSON
 * @param maxPageSize largest page of a listing
 */
@Validated
@ConfigurationProperties("runstream.api.limits")
public record ApiLimits(
    @DefaultValue("1048576") @Min(1024) long maxBodyBytes,
    @DefaultValue("20000") @Min(1) int maxTextChars,
    @DefaultValue("200") @Min(1) int maxTitleChars,
    @DefaultValue("100") @Min(0) int maxHistoryEntries,
    @DefaultValue("16384") @Min(2) int maxMetadataBytes,
    @DefaultValue("200") @Min(1) int maxPageSize) {}
