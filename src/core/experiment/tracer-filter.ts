/** `sensors/{sensor}/temperature` → `sensors/#`: everything the template can produce. */
export function filterForTemplate(template: string): string {
  const levels = template.split('/');
  const fixed: string[] = [];
  for (const level of levels) {
    if (level.includes('{') || level.includes('+') || level.includes('#')) break;
    fixed.push(level);
  }
  if (fixed.length === levels.length) return template;
  return [...fixed, '#'].join('/');
}
