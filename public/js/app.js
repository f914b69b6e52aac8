// Progressive enhancement only: every page works without this script.
document.addEventListener('DOMContentLoaded', () => {
  // Submitting the language form on change saves a click; the button stays for keyboard users.
  const select = document.getElementById('locale-select');
  if (select && select.form) select.addEventListener('change', () => select.form.submit());
  // Move focus to the first field with an error so screen-reader users hear it at once.
  const invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
});
