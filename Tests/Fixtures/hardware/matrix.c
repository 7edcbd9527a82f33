/* Dense matrix code: a naive i-j-k multiply and a transpose of 96x96 doubles (row and column walks). */
#include <stdio.h>
#define N 96
static double a[N][N], b[N][N], c[N][N], t[N][N];
int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) { a[i][j] = i + j; b[i][j] = i - j; }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) t[j][i] = c[i][j];
    printf("%f\n", t[N / 2][N / 3]);
    return 0;
}
