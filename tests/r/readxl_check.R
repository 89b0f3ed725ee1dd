# readxl_check.R -- reads a workbook written by `collector forms export` with an independent reader (readxl)
# and checks its cells against the form's JSON (read with jsonlite): the survey sheet has, row by row, each
# section's begin_group (name, French title), each question (XLSForm type, name, French label, required) and
# end_group; the choices sheet has each list's choices (list_name, name, paper, French label) and the shared
# list "offre" as offer.json has it; the settings sheet has the form's id, version and French title.
# usage: Rscript readxl_check.R WORKBOOK.xlsx FORM.json OFFER.json
# Prints one line per problem and "N problem(s)"; exits 1 when there is any.
suppressPackageStartupMessages({ library(readxl); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
book <- args[1]
form <- fromJSON(args[2], simplifyVector = FALSE)
offer <- fromJSON(args[3], simplifyVector = FALSE)
problems <- character(0)
problem <- function(...) problems <<- c(problems, paste0(...))
same <- function(where, got, want) {
  got <- if (is.null(got) || length(got) == 0 || is.na(got)) "" else as.character(got)
  want <- if (is.null(want)) "" else as.character(want)
  if (!identical(got, want)) problem(where, ": read « ", got, " », expected « ", want, " »")
}
fr <- "label::Français (fr)"

sheets <- excel_sheets(book)
for (s in c("survey", "choices", "settings")) if (!(s %in% sheets)) problem("sheet ", s, " missing")
survey <- as.data.frame(read_excel(book, sheet = "survey", col_types = "text"), stringsAsFactors = FALSE)
choices <- as.data.frame(read_excel(book, sheet = "choices", col_types = "text"), stringsAsFactors = FALSE)
settings <- as.data.frame(read_excel(book, sheet = "settings", col_types = "text"), stringsAsFactors = FALSE)

xls_type <- function(q, list) {
  switch(q$type,
         single = paste("select_one", list), multiple = paste("select_multiple", list),
         grid = paste("grid", list), territory = if (is.null(q$choices)) "territory" else paste("territory", list),
         scale = "range", long_text = "text",
         calculate = if (is.null(q$choices)) "calculate" else paste("calculate", list), q$type)
}
list_name <- function(q, key) {
  v <- q[[key]]
  if (is.character(v)) v else if (key == "rows") paste0(q$id, "_rows") else q$id
}
required_cell <- function(v) if (is.null(v)) "" else if (isTRUE(v)) "yes" else if (identical(v, FALSE)) "no" else v
text_fr <- function(t) if (is.null(t)) "" else t$fr

# Expected rows of the choices sheet, in the order the exporter writes them: named lists, then each question's
# own lists as the survey meets them (rows, choices, scale labels), then the offer.
expected_choices <- list()
add_choice <- function(list, code, paper, label) {
  expected_choices[[length(expected_choices) + 1]] <<- list(list = list, code = code, paper = paper, label = label)
}
for (name in names(form$choice_lists))
  for (c in form$choice_lists[[name]]) add_choice(name, c$code, c$paper, c$label$fr)

row <- 1
uses_offer <- FALSE
for (s in form$sections) {
  same(sprintf("survey row %d type", row + 1), survey$type[row], "begin_group")
  same(sprintf("survey row %d name", row + 1), survey$name[row], s$id)
  same(sprintf("survey row %d title", row + 1), survey[[fr]][row], s$title$fr)
  row <- row + 1
  for (q in s$questions) {
    where <- sprintf("survey row %d (%s)", row + 1, q$id)
    if (q$type == "grid") {
      same(paste(where, "rows"), survey$rows[row], list_name(q, "rows"))
      if (is.list(q$rows)) for (c in q$rows) add_choice(list_name(q, "rows"), c$code, c$paper, c$label$fr)
    }
    if (!is.null(q$choices) && is.list(q$choices))
      for (c in q$choices) add_choice(q$id, c$code, c$paper, c$label$fr)
    if (identical(q$rows, "offre") || identical(q$choices, "offre")) uses_offer <- TRUE
    same(paste(where, "type"), survey$type[row], xls_type(q, list_name(q, "choices")))
    same(paste(where, "name"), survey$name[row], q$id)
    if (q$type == "calculate") same(paste(where, "calculation"), survey$calculation[row], q$calculation)
    same(paste(where, "label"), survey[[fr]][row], text_fr(q$label))
    same(paste(where, "hint"), survey[["hint::Français (fr)"]][row], text_fr(q$hint))
    same(paste(where, "required"), survey$required[row], required_cell(q$required))
    same(paste(where, "relevant"), survey$relevant[row], q$relevant)
    if (q$type == "scale") {
      same(paste(where, "parameters"), survey$parameters[row], sprintf("start=%d end=%d step=1", q$min, q$max))
      if (!is.null(q$labels))
        for (k in names(q$labels)) add_choice(paste0(q$id, "_labels"), k, NULL, q$labels[[k]]$fr)
    } else if (!is.null(q$min)) {
      same(paste(where, "min"), survey$min[row], q$min)
    }
    row <- row + 1
  }
  same(sprintf("survey row %d type", row + 1), survey$type[row], "end_group")
  row <- row + 1
}
if (nrow(survey) != row - 1) problem("survey has ", nrow(survey), " rows, expected ", row - 1)
if (uses_offer)
  for (sv in offer$services) add_choice("offre", sv$code, sv$paper, sv$label$fr)

if (nrow(choices) != length(expected_choices))
  problem("choices has ", nrow(choices), " rows, expected ", length(expected_choices))
for (i in seq_len(min(nrow(choices), length(expected_choices)))) {
  e <- expected_choices[[i]]
  where <- sprintf("choices row %d (%s/%s)", i + 1, e$list, e$code)
  same(paste(where, "list_name"), choices$list_name[i], e$list)
  same(paste(where, "name"), choices$name[i], e$code)
  same(paste(where, "paper"), choices$paper[i], e$paper)
  same(paste(where, "label"), choices[[fr]][i], e$label)
}
if (uses_offer) {
  k <- which(choices$list_name == "offre")
  for (j in seq_along(k)) same(sprintf("choices row %d kind", k[j] + 1), choices$kind[k[j]], offer$services[[j]]$kind)
}

same("settings form_id", settings$form_id[1], form$id)
same("settings version", settings$version[1], form$version)
same("settings title", settings[["form_title::Français (fr)"]][1], form$title$fr)
same("settings languages", settings$languages[1], paste(unlist(form$languages), collapse = " "))

for (p in problems) cat(p, "\n", sep = "")
cat(sprintf("%s: %d survey rows, %d choices, %d problem(s)\n", basename(args[2]), nrow(survey), nrow(choices),
            length(problems)))
quit(status = if (length(problems) > 0) 1 else 0)
